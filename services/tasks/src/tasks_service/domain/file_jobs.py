"""Export and import jobs: a job's lifecycle and what it reports (ADR 0026)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from tasks_service.domain.errors import NotFound, TasksError

MAX_REPORTED_ERRORS = 1000
"""Per-row errors kept on an import job; past that only the count grows."""
FILE_RETENTION = timedelta(days=7)


class JobKind(StrEnum):
    EXPORT = "export"
    IMPORT = "import"


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class FileFormat(StrEnum):
    CSV = "csv"
    JSON = "json"

    @property
    def content_type(self) -> str:
        return "text/csv; charset=utf-8" if self is FileFormat.CSV else "application/json"


@dataclass(slots=True)
class FileJob:
    id: uuid.UUID
    kind: JobKind
    owner_id: uuid.UUID
    format: FileFormat
    created_at: datetime
    params: dict[str, Any] = field(default_factory=dict)
    """Export: the filters as sent and as applied. Import: the file's name."""
    status: JobStatus = JobStatus.PENDING
    file_key: str | None = None
    file_sha256: str | None = None
    dry_run: bool = False
    processed: int = 0
    total: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    detail: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def start(self, at: datetime) -> None:
        self.status, self.started_at = JobStatus.RUNNING, at
        # A redelivered job starts again from the top: its counts start again too.
        self.processed, self.counts, self.errors = 0, {}, []

    def count(self, name: str, by: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + by

    def row_failed(self, row: int, errors: dict[str, list[str]]) -> None:
        self.count("invalid")
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"row": row, "errors": errors})

    def finish(self, at: datetime, file_key: str | None = None) -> None:
        self.status, self.finished_at = JobStatus.DONE, at
        if file_key is not None:
            self.file_key = file_key

    def fail(self, at: datetime, detail: str) -> None:
        self.status, self.finished_at, self.detail = JobStatus.FAILED, at, detail

    def expires_at(self) -> datetime | None:
        return self.finished_at + FILE_RETENTION if self.finished_at else None


class JobNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("export or import job of yours")


class ImportFileInvalid(TasksError):
    """The file as a whole cannot be read (encoding, NUL bytes, shape, columns, size)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.errors = {"file": [message]}


class RowInvalid(TasksError):
    """One row of an import fails the API's validation; the others go on."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("invalid row")
        self.errors = errors
