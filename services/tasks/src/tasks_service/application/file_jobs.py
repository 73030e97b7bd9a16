"""Export and import jobs (ADR 0026): requested over HTTP, run by the worker, files in the
file store, downloads through short-lived signed links.

An export pages through the list's own query (keyset pages, the owner's visibility at run time)
and streams the rows into the store: memory stays constant whatever the number of tasks. An
import validates the file as a whole on upload (encoding, shape, size), then creates each valid
row through CreateTask (history, events) with an Idempotency-Key per job and row, so a job
redelivered after a crash creates nothing twice; the same file imported again is the same job.
"""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any, Protocol

from taskhive_shared.files.links import LinkSigner, SignedLink
from taskhive_shared.files.port import FileStore
from taskhive_shared.ids import uuid7
from tasks_service.application.actors import actor_of
from tasks_service.application.create_task import CreateTask, CreateTaskHandler
from tasks_service.application.ports import Clock, TaskFilter, TaskReader
from tasks_service.application.queries import ListTasks, TaskQueries
from tasks_service.domain.errors import TasksError
from tasks_service.domain.file_jobs import (
    FILE_RETENTION,
    FileFormat,
    FileJob,
    ImportFileInvalid,
    JobKind,
    JobNotFound,
    JobStatus,
    RowInvalid,
)
from tasks_service.domain.model import TaskFields
from tasks_service.domain.permissions import Role

logger = logging.getLogger(__name__)

EXPORTS, IMPORTS = "exports", "imports"
RUN_FILE_JOB = "tasks.run_file_job"
PURGE_EXPIRED_FILES = "tasks.purge_expired_files"
PAGE = 100
"""Rows per keyset page of an export (the list's largest page)."""
PROGRESS_EVERY = 200
"""Rows between two progress saves."""


@dataclass(frozen=True, slots=True)
class ParsedRow:
    number: int
    """1-based data row (the CSV header is not counted)."""
    data: dict[str, Any]


class FileJobRepository(Protocol):
    def add(self, job: FileJob) -> FileJob | None:
        """Insert; None when a live import of the same file by the same owner exists."""
        ...

    def get(self, job_id: uuid.UUID) -> FileJob | None: ...

    def live_import(self, owner_id: uuid.UUID, sha256: str) -> FileJob | None: ...

    def save(self, job: FileJob) -> None: ...


class FileJobQueue(Protocol):
    def run(self, job: FileJob) -> None:
        """Enqueue the job's run (the worker's)."""
        ...


RenderRows = Callable[[FileFormat, Iterable[dict[str, Any]]], Iterator[bytes]]
"""Rows (the API's representation) → the file's bytes, streamed."""
ParseRows = Callable[[FileFormat, IO[bytes]], Iterator[ParsedRow]]
"""A file → its rows as API-shaped values; `ImportFileInvalid` for a file unreadable as a whole."""
RowCommand = Callable[[dict[str, Any]], tuple[TaskFields, tuple[uuid.UUID, ...]]]
"""A row → the fields and assignees of a new task, by the API's schema; `RowInvalid` if not."""


def filter_to_json(wanted: TaskFilter) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TaskFilter.__dataclass_fields__:
        value = getattr(wanted, name)
        if isinstance(value, uuid.UUID | datetime):
            value = value.isoformat() if isinstance(value, datetime) else str(value)
        elif isinstance(value, tuple):
            value = list(value)
        values[name] = value
    return values


def filter_from_json(values: dict[str, Any]) -> TaskFilter:
    def uid(name: str) -> uuid.UUID | None:
        return uuid.UUID(values[name]) if values.get(name) else None

    def moment(name: str) -> datetime | None:
        return datetime.fromisoformat(values[name]) if values.get(name) else None

    return TaskFilter(
        statuses=tuple(values.get("statuses", ())),
        priorities=tuple(values.get("priorities", ())),
        assignee=uid("assignee"),
        created_by=uid("created_by"),
        team=uid("team"),
        tags=tuple(values.get("tags", ())),
        due_before=moment("due_before"),
        due_after=moment("due_after"),
        overdue=values.get("overdue"),
        archived=values.get("archived", "false"),
        parent=uid("parent"),
        top_level_only=bool(values.get("top_level_only")),
        updated_since=moment("updated_since"),
        text=values.get("text"),
    )


@dataclass(frozen=True, slots=True)
class FileJobs:
    """Every export and import use case; one instance per process (bootstrap)."""

    jobs: FileJobRepository
    store: FileStore
    signer: LinkSigner
    queue: Callable[[], FileJobQueue]
    """The job queue, built on first use (the worker's app needs the runtime first)."""
    clock: Clock
    reader: TaskReader
    tasks: TaskQueries
    create_task: CreateTaskHandler
    render: RenderRows
    parse: ParseRows
    row_command: RowCommand
    max_rows: int = 5000
    max_bytes: int = 1_000_000

    # --- requests (HTTP) ---

    def request_export(
        self,
        actor_id: uuid.UUID,
        fmt: FileFormat,
        filters: dict[str, Any],
        wanted: TaskFilter,
        sort: str | None,
    ) -> FileJob:
        actor_of(actor_id, self.reader.actor(actor_id))
        job = FileJob(
            id=uuid7(),
            kind=JobKind.EXPORT,
            owner_id=actor_id,
            format=fmt,
            created_at=self.clock.now(),
            params={"filters": filters, "applied": filter_to_json(wanted), "sort": sort},
        )
        added = self.jobs.add(job)
        assert added is not None  # only imports are unique per file
        self.queue().run(added)
        return self._fresh(added)

    def request_import(
        self, actor_id: uuid.UUID, fmt: FileFormat, name: str, content: bytes, *, dry_run: bool
    ) -> tuple[FileJob, bool]:
        """The job and whether it already existed (the same file imported before)."""
        actor_of(actor_id, self.reader.actor(actor_id))
        # The whole file is checked before anything is written: a file unreadable as a whole
        # is a 422 (ImportFileInvalid), never a job.
        total = sum(1 for _ in self.parse(fmt, io.BytesIO(content)))
        if total > self.max_rows:
            raise ImportFileInvalid(f"At most {self.max_rows} rows per file; this one has {total}.")
        job_id = uuid7()
        key = f"{IMPORTS}/{job_id}.{fmt.value}"
        stored = self.store.put(key, [content], content_type=fmt.content_type)
        if not dry_run:
            earlier = self.jobs.live_import(actor_id, stored.sha256)
            if earlier is not None:
                self.store.delete(key)
                return earlier, True
        job = FileJob(
            id=job_id,
            kind=JobKind.IMPORT,
            owner_id=actor_id,
            format=fmt,
            created_at=self.clock.now(),
            params={"file_name": name},
            file_key=key,
            file_sha256=stored.sha256,
            dry_run=dry_run,
            total=total,
        )
        added = self.jobs.add(job)
        if added is None:  # the same file, at the same moment, from another request
            self.store.delete(key)
            earlier = self.jobs.live_import(actor_id, stored.sha256)
            assert earlier is not None
            return earlier, True
        self.queue().run(added)
        return self._fresh(added), False

    def _fresh(self, job: FileJob) -> FileJob:
        # An eager queue (embedded mode, tests) has already run the job.
        return self.jobs.get(job.id) or job

    # --- reads ---

    def get(self, actor_id: uuid.UUID, job_id: uuid.UUID) -> FileJob:
        actor = actor_of(actor_id, self.reader.actor(actor_id))
        job = self.jobs.get(job_id)
        if job is None or (job.owner_id != actor_id and actor.role is not Role.ADMIN):
            raise JobNotFound()
        return job

    def download_link(self, job: FileJob) -> SignedLink | None:
        """A fresh signed link to an export's file while it is kept (7 days)."""
        expires = job.expires_at()
        if job.kind is not JobKind.EXPORT or job.status is not JobStatus.DONE:
            return None
        if job.file_key is None or expires is None or expires <= self.clock.now():
            return None
        return self.signer.sign(job.file_key)

    # --- runs (worker) ---

    def run(self, job_id: uuid.UUID) -> JobStatus:
        job = self.jobs.get(job_id)
        if job is None or job.finished:
            return job.status if job else JobStatus.FAILED
        job.start(self.clock.now())
        self.jobs.save(job)
        try:
            if job.kind is JobKind.EXPORT:
                self._export(job)
            else:
                self._import(job)
        except TasksError as error:
            job.fail(self.clock.now(), str(error))
        except Exception:
            # Not retried: a job that broke once would most likely break again; the owner sees
            # it failed and asks again. The cause goes to the log, not to the client.
            logger.exception("file job %s failed", job.id)
            job.fail(self.clock.now(), "The job failed; ask again, or tell an administrator.")
        self.jobs.save(job)
        return job.status

    def _export(self, job: FileJob) -> None:
        query = ListTasks(
            actor_id=job.owner_id,
            filter=filter_from_json(job.params["applied"]),
            limit=PAGE,
            sort=job.params.get("sort"),
        )

        def rows() -> Iterator[dict[str, Any]]:
            cursor: str | None = None
            while True:
                page = self.tasks.list(replace(query, cursor=cursor))
                for item in page.items:
                    yield item.fields
                    job.processed += 1
                    if job.processed % PROGRESS_EVERY == 0:
                        self.jobs.save(job)
                if page.next_cursor is None:
                    return
                cursor = page.next_cursor

        key = f"{EXPORTS}/{job.id}.{job.format.value}"
        self.store.put(key, self.render(job.format, rows()), content_type=job.format.content_type)
        job.count("exported", job.processed)
        job.finish(self.clock.now(), key)

    def _import(self, job: FileJob) -> None:
        assert job.file_key is not None
        job.counts = {"valid" if job.dry_run else "created": 0, "invalid": 0}
        with self.store.open(job.file_key) as stream:
            for row in self.parse(job.format, stream):
                self._import_row(job, row)
                job.processed += 1
                if job.processed % PROGRESS_EVERY == 0:
                    self.jobs.save(job)
        job.finish(self.clock.now())

    def _import_row(self, job: FileJob, row: ParsedRow) -> None:
        try:
            fields, assignees = self.row_command(row.data)
            if job.dry_run:
                job.count("valid")
                return
            self.create_task(
                CreateTask(
                    actor_id=job.owner_id,
                    fields=fields,
                    assignee_ids=assignees,
                    # Per job and row: a redelivered job replays rows it already created.
                    idempotency_key=f"import:{job.id}:{row.number}",
                    route="tasks-import",
                ),
                present=lambda document: {"id": str(document.id)},
            )
            job.count("created")
        except RowInvalid as invalid:
            job.row_failed(row.number, invalid.errors)
        except TasksError as refused:
            errors = getattr(refused, "errors", None) or {"row": [str(refused)]}
            job.row_failed(row.number, {k: list(v) for k, v in errors.items()})

    def purge_expired_files(self) -> int:
        """Delete the export and import files older than the retention (the beat's job)."""
        cutoff = self.clock.now() - FILE_RETENTION
        removed = 0
        for prefix in (EXPORTS, IMPORTS):
            for key in list(self.store.list_expired(prefix, cutoff)):
                self.store.delete(key)
                removed += 1
        return removed
