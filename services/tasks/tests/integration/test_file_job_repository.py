"""The file-job repository on PostgreSQL: round trip, one live import per owner and file."""

from __future__ import annotations

from datetime import UTC, datetime

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.file_jobs import SqlAlchemyFileJobRepository
from tasks_service.domain.file_jobs import FileFormat, FileJob, JobKind, JobStatus


def _import(owner, sha: str, *, dry_run: bool = False) -> FileJob:
    return FileJob(
        id=uuid7(),
        kind=JobKind.IMPORT,
        owner_id=owner,
        format=FileFormat.CSV,
        created_at=datetime.now(UTC),
        params={"file_name": "t.csv"},
        file_key="imports/x.csv",
        file_sha256=sha,
        dry_run=dry_run,
        total=3,
    )


def test_round_trip_and_one_live_import_per_file(tasks_runtime) -> None:
    jobs = SqlAlchemyFileJobRepository(tasks_runtime.engine)
    owner, other, sha = uuid7(), uuid7(), uuid7().hex
    first = _import(owner, sha)
    assert jobs.add(first) is first
    assert jobs.add(_import(owner, sha)) is None  # the same file again
    assert jobs.add(_import(other, sha)) is not None  # another owner
    assert jobs.add(_import(owner, sha, dry_run=True)) is not None  # a dry run
    stored = jobs.get(first.id)
    assert stored == first
    stored.start(datetime.now(UTC))
    stored.row_failed(2, {"title": ["Missing data for required field."]})
    stored.fail(datetime.now(UTC), "broken")
    jobs.save(stored)
    assert jobs.get(first.id) == stored
    assert jobs.live_import(owner, sha) is None
    retried = _import(owner, sha)
    assert jobs.add(retried) is retried  # a failed import may be tried again
    live = jobs.live_import(owner, sha)
    assert live is not None
    assert live.id == retried.id
    assert live.status is JobStatus.PENDING
