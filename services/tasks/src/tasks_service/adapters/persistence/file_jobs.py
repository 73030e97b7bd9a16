"""Export and import jobs in `tasks.file_jobs`: each call its own short transaction (a job's
progress is bookkeeping beside the tasks it creates, never part of their transactions)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from tasks_service.adapters.persistence.tables import file_jobs
from tasks_service.domain.file_jobs import FileFormat, FileJob, JobKind, JobStatus

_UNIQUE_FILE = "uq_file_jobs_import_file"


def _row(job: FileJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind.value,
        "owner_id": job.owner_id,
        "status": job.status.value,
        "format": job.format.value,
        "params": job.params,
        "file_key": job.file_key,
        "file_sha256": job.file_sha256,
        "dry_run": job.dry_run,
        "processed": job.processed,
        "total": job.total,
        "counts": job.counts,
        "errors": job.errors,
        "detail": job.detail,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


def _job(row: sa.Row[Any]) -> FileJob:
    values = dict(row._mapping)
    return FileJob(
        **values
        | {
            "kind": JobKind(values["kind"]),
            "status": JobStatus(values["status"]),
            "format": FileFormat(values["format"]),
        }
    )


class SqlAlchemyFileJobRepository:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, job: FileJob) -> FileJob | None:
        statement = (
            insert(file_jobs)
            .values(_row(job))
            .on_conflict_do_nothing(
                index_elements=["owner_id", "file_sha256"],
                index_where=sa.text("kind = 'import' AND NOT dry_run AND status <> 'failed'"),
            )
            .returning(file_jobs.c.id)
        )
        with self._engine.begin() as connection:
            inserted = connection.execute(statement).scalar_one_or_none()
        return job if inserted is not None else None

    def get(self, job_id: uuid.UUID) -> FileJob | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(file_jobs).where(file_jobs.c.id == job_id)).first()
        return _job(row) if row else None

    def live_import(self, owner_id: uuid.UUID, sha256: str) -> FileJob | None:
        statement = sa.select(file_jobs).where(
            file_jobs.c.owner_id == owner_id,
            file_jobs.c.file_sha256 == sha256,
            file_jobs.c.kind == JobKind.IMPORT.value,
            sa.not_(file_jobs.c.dry_run),
            file_jobs.c.status != JobStatus.FAILED.value,
        )
        with self._engine.connect() as connection:
            row = connection.execute(statement).first()
        return _job(row) if row else None

    def save(self, job: FileJob) -> None:
        values = _row(job)
        del values["id"]
        with self._engine.begin() as connection:
            connection.execute(sa.update(file_jobs).where(file_jobs.c.id == job.id).values(values))
