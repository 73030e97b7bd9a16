"""Export and import use cases over fakes at the ports (job rows, file store, queue): what a
run writes, visibility, idempotency per file and per row, links and expiry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import IO

import pytest
from tasks_unit_fakes import create_task

from taskhive_shared.files.links import LinkSigner
from taskhive_shared.files.port import FileMissing, StoredFile, checked_key
from tasks_service.adapters.files.formats import csv_cell, parse_rows, render_rows
from tasks_service.application.file_jobs import FileJobs
from tasks_service.application.ports import TaskFilter
from tasks_service.domain.file_jobs import (
    FileFormat,
    FileJob,
    ImportFileInvalid,
    JobKind,
    JobNotFound,
    JobStatus,
)
from tasks_service.entrypoints.http.file_jobs import row_command


class FakeFileJobRepository:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, FileJob] = {}

    def add(self, job: FileJob) -> FileJob | None:
        if (
            job.kind is JobKind.IMPORT
            and not job.dry_run
            and self.live_import(job.owner_id, job.file_sha256 or "")
        ):
            return None
        self.rows[job.id] = replace(job)
        return job

    def get(self, job_id: uuid.UUID) -> FileJob | None:
        job = self.rows.get(job_id)
        return replace(job, counts=dict(job.counts), errors=list(job.errors)) if job else None

    def live_import(self, owner_id: uuid.UUID, sha256: str) -> FileJob | None:
        for job in self.rows.values():
            same = (job.kind, job.owner_id, job.file_sha256) == (JobKind.IMPORT, owner_id, sha256)
            if same and not job.dry_run and job.status is not JobStatus.FAILED:
                return job
        return None

    def save(self, job: FileJob) -> None:
        self.rows[job.id] = replace(job, counts=dict(job.counts), errors=list(job.errors))


class FakeFileStore:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, datetime]] = {}
        self.now = datetime(2026, 5, 1)

    def put(
        self,
        key: str,
        chunks: Iterable[bytes],
        *,
        content_type: str = "application/octet-stream",
        max_bytes: int | None = None,
    ) -> StoredFile:
        data = b"".join(chunks)
        self.files[checked_key(key)] = (data, self.now)
        return StoredFile(key, len(data), hashlib.sha256(data).hexdigest())

    def open(self, key: str) -> IO[bytes]:
        if key not in self.files:
            raise FileMissing(key)
        return io.BytesIO(self.files[key][0])

    def delete(self, key: str) -> None:
        self.files.pop(key, None)

    def list_expired(self, prefix: str, older_than: datetime) -> Iterator[str]:
        return iter(
            [
                k
                for k, (_, at) in self.files.items()
                if k.startswith(prefix + "/") and at < older_than
            ]
        )


class FakeQueue:
    def __init__(self) -> None:
        self.enqueued: list[uuid.UUID] = []

    def run(self, job: FileJob) -> None:
        self.enqueued.append(job.id)


@pytest.fixture
def jobs(harness) -> FileJobs:
    queue = FakeQueue()
    return FileJobs(
        jobs=FakeFileJobRepository(),
        store=FakeFileStore(),
        signer=LinkSigner(b"s" * 32, clock=lambda: harness.clock.at),
        queue=lambda: queue,
        clock=harness.clock,
        reader=harness.reader,
        tasks=harness.queries,
        create_task=harness.create,
        render=render_rows,
        parse=parse_rows,
        row_command=row_command,
        max_rows=10,
    )


def _file(jobs: FileJobs, job: FileJob) -> bytes:
    assert job.file_key is not None
    with jobs.store.open(job.file_key) as stream:
        return stream.read()


def test_an_export_holds_what_its_owner_sees_under_the_filter(harness, jobs) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    for n in range(3):
        create_task(harness, ann, title=f"ann {n}", priority="high" if n else "low")
    create_task(harness, bob, title="bob's", priority="high")
    job = jobs.request_export(ann, FileFormat.CSV, {}, TaskFilter(priorities=("high",)), "title")
    assert job.status is JobStatus.PENDING
    assert jobs.run(job.id) is JobStatus.DONE
    done = jobs.get(ann, job.id)
    rows = list(csv.DictReader(io.StringIO(_file(jobs, done).decode())))
    assert [row["title"] for row in rows] == ["ann 1", "ann 2"]
    assert done.counts == {"exported": 2}
    assert jobs.run(job.id) is JobStatus.DONE  # a finished job is not run again


def test_only_the_owner_and_admins_get_a_job(harness, jobs) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    admin, manager = harness.store.add_user("admin"), harness.store.add_user("manager")
    job = jobs.request_export(ann, FileFormat.JSON, {}, TaskFilter(), None)
    assert jobs.get(admin, job.id).id == job.id
    for other in (bob, manager):
        with pytest.raises(JobNotFound):
            jobs.get(other, job.id)


def test_links_only_for_done_exports_and_until_the_file_expires(harness, jobs) -> None:
    ann = harness.store.add_user()
    job = jobs.request_export(ann, FileFormat.JSON, {}, TaskFilter(), None)
    assert jobs.download_link(jobs.get(ann, job.id)) is None
    jobs.run(job.id)
    done = jobs.get(ann, job.id)
    link = jobs.download_link(done)
    assert link is not None
    assert json.loads(_file(jobs, done)) == []
    harness.clock.at += timedelta(days=7)
    assert jobs.download_link(done) is None


CSV = b"title,priority\r\nOne,high\r\n,low\r\nThree,low\r\n"


def test_an_import_redelivered_after_a_crash_creates_nothing_twice(harness, jobs) -> None:
    ann = harness.store.add_user()
    job, replayed = jobs.request_import(ann, FileFormat.CSV, "t.csv", CSV, dry_run=False)
    assert not replayed
    assert jobs.run(job.id) is JobStatus.DONE
    # The worker died before acknowledging: the job comes again, as if still running.
    crashed = jobs.get(ann, job.id)
    crashed.status = JobStatus.RUNNING
    jobs.jobs.save(crashed)
    assert jobs.run(job.id) is JobStatus.DONE
    again = jobs.get(ann, job.id)
    assert again.counts == {"created": 2, "invalid": 1}
    assert again.errors == [{"row": 2, "errors": {"title": ["Missing data for required field."]}}]
    titles = sorted(t.title for t in harness.store.state.tasks.values())
    assert titles == ["One", "Three"]


def test_the_same_file_is_the_same_job_unless_the_first_failed(harness, jobs) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    first, _ = jobs.request_import(ann, FileFormat.CSV, "t.csv", CSV, dry_run=False)
    again, replayed = jobs.request_import(ann, FileFormat.CSV, "u.csv", CSV, dry_run=False)
    assert (again.id, replayed) == (first.id, True)
    assert len(jobs.store.files) == 1  # the second upload was not kept
    _, other_user = jobs.request_import(bob, FileFormat.CSV, "t.csv", CSV, dry_run=False)
    assert other_user is False
    dry, dry_replayed = jobs.request_import(ann, FileFormat.CSV, "t.csv", CSV, dry_run=True)
    assert dry.id != first.id
    assert not dry_replayed
    failed = jobs.get(ann, first.id)
    failed.fail(harness.clock.now(), "broken")
    jobs.jobs.save(failed)
    retried, replayed = jobs.request_import(ann, FileFormat.CSV, "t.csv", CSV, dry_run=False)
    assert retried.id != first.id
    assert not replayed


def test_a_file_over_the_row_limit_is_refused_before_anything_is_written(harness, jobs) -> None:
    ann = harness.store.add_user()
    content = b"title\r\n" + b"x\r\n" * 11
    with pytest.raises(ImportFileInvalid):
        jobs.request_import(ann, FileFormat.CSV, "t.csv", content, dry_run=False)
    assert jobs.store.files == {}
    assert jobs.jobs.rows == {}


def test_purge_removes_files_older_than_seven_days(harness, jobs) -> None:
    ann = harness.store.add_user()
    jobs.request_export(ann, FileFormat.CSV, {}, TaskFilter(), None)
    jobs.store.files["exports/old.csv"] = (b"", harness.clock.at - timedelta(days=8))
    jobs.store.files["imports/old.csv"] = (b"", harness.clock.at - timedelta(days=8))
    jobs.store.files["exports/new.csv"] = (b"", harness.clock.at)
    assert jobs.purge_expired_files() == 2
    assert set(jobs.store.files) == {"exports/new.csv"}


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        (None, ""),
        (True, "true"),
        (["a", "b"], '["a","b"]'),
        ({"k": 1}, '{"k":1}'),
    ],
)
def test_csv_cells_never_start_a_formula(value, cell) -> None:
    assert csv_cell(value) == cell


def test_csv_parsing_reads_bom_quoted_newlines_and_undoes_the_escape() -> None:
    content = '\ufefftitle,description,tags,id\r\n"\'=A1","two\nlines","[""x""]",ignored\r\n'
    rows = list(parse_rows(FileFormat.CSV, io.BytesIO(content.encode())))
    assert [row.data for row in rows] == [
        {"title": "=A1", "description": "two\nlines", "tags": ["x"]}
    ]


@pytest.mark.parametrize(
    "content",
    [b"", b"\n\n", b"title,title\r\nA,B\r\n", b"nope\r\nA\r\n", b"title\r\n\x80\r\n"],
)
def test_unreadable_csv_files(content) -> None:
    with pytest.raises(ImportFileInvalid):
        list(parse_rows(FileFormat.CSV, io.BytesIO(content)))
