"""Export and import jobs over HTTP (ADR 0026): ask for one (202 + Location), follow it.

`POST /tasks/exports/` takes the list's own filters (validated by the list's query schema);
`POST /tasks/imports/` a multipart `file`, CSV or JSON, checked whole before anything is written.
A job is seen by its owner and by admins only (404 for anyone else).
"""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import validate

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import PRIVATE, bearer
from taskhive_shared.http.input import document_errors
from taskhive_shared.http.problem import ProblemError, flatten_messages
from tasks_service.application.queries import parse_sort
from tasks_service.domain.file_jobs import FileFormat, FileJob, JobKind, RowInvalid
from tasks_service.domain.model import TaskFields
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.jsonio import json_response
from tasks_service.entrypoints.http.schemas import (
    StrictSchema,
    TaskCreateSchema,
    TaskListQuerySchema,
)
from tasks_service.entrypoints.http.tasks import assignees_of, task_fields, task_filter

_REPEATABLE = ("status", "priority", "tag")
_JOB_NOT_FOUND = "No export or import job of yours has this id"


class ExportFiltersSchema(TaskListQuerySchema):
    """The list's query parameters, less the page ones (an export takes every page)."""

    class Meta:
        unknown = ma.RAISE
        exclude = ("limit", "cursor")

    @ma.pre_load
    def _one_or_many(self, data: Any, **_: Any) -> Any:
        # As in a query string, a repeatable parameter may be given once.
        if isinstance(data, dict):
            return {
                k: [v] if k in _REPEATABLE and isinstance(v, str) else v for k, v in data.items()
            }
        return data


class ExportRequestSchema(StrictSchema):
    format = ma.fields.Enum(FileFormat, by_value=True, required=True)
    filters = ma.fields.Nested(
        ExportFiltersSchema,
        # Left out: the list's defaults (e.g. `archived=false`), as a bare `GET /tasks/`.
        load_default=lambda: ExportFiltersSchema().load({}),
        metadata={
            "description": "The list's query parameters (`GET /api/v1/tasks/` less `limit` and "
            "`cursor`), values as strings; repeatable ones as arrays"
        },
    )


class ImportQuerySchema(StrictSchema):
    dry_run = ma.fields.Boolean(
        truthy={"true"},
        falsy={"false"},
        load_default=False,
        metadata={"description": "Validate every row and report, create nothing"},
    )


class ImportFileSchema(ma.Schema):
    file = Upload(required=True, metadata={"description": "CSV (UTF-8) or JSON array"})


class JobSchema(ma.Schema):
    id = ma.fields.UUID()
    kind = ma.fields.String(validate=validate.OneOf(["export", "import"]))
    status = ma.fields.String(validate=validate.OneOf(["pending", "running", "done", "failed"]))
    format = ma.fields.Enum(FileFormat, by_value=True)
    progress = ma.fields.Dict(
        metadata={"description": "`processed` rows and, for an import, the file's `total`"}
    )
    counts = ma.fields.Dict(
        metadata={
            "description": "export: `exported`; import: `created`, `invalid` (dry run: "
            "`valid`, `invalid`)"
        }
    )
    errors = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "Import: `{row, errors: {field: [messages]}}`, first 1000"},
    )
    filters = ma.fields.Dict(metadata={"description": "Export: the filters as sent"})
    dry_run = ma.fields.Boolean()
    file_name = ma.fields.String()
    download_url = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "Export, when done: a signed link valid for 10 minutes (read "
            "the job again for a fresh one)"
        },
    )
    expires_at = ma.fields.DateTime(
        allow_none=True, metadata={"description": "When the file is deleted (7 days)"}
    )
    detail = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)


def row_command(data: dict[str, Any]) -> tuple[TaskFields, tuple[uuid.UUID, ...]]:
    """One import row through the same checks as a `POST /tasks/` body."""
    if "_schema" in data:
        raise RowInvalid({"_schema": [str(data["_schema"])]})
    errors = document_errors(data)
    if errors:
        raise RowInvalid(errors)
    try:
        body = TaskCreateSchema().load(data)
    except ma.ValidationError as invalid:
        raise RowInvalid(flatten_messages(invalid.messages)) from invalid
    return task_fields(body), assignees_of(body) or ()


def job_body(job: FileJob) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": job.id,
        "kind": job.kind.value,
        "status": job.status.value,
        "format": job.format.value,
        "progress": {"processed": job.processed, "total": job.total},
        "counts": job.counts,
        "detail": job.detail,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "expires_at": job.expires_at(),
    }
    if job.kind is JobKind.EXPORT:
        link = services().file_jobs.download_link(job)
        base = current_app.config.get("PUBLIC_BASE_URL", "")
        download = url_for("tasks_files.download")
        body |= {
            "filters": job.params.get("filters", {}),
            "download_url": link.url(base + download) if link else None,
        }
    else:
        body |= {
            "dry_run": job.dry_run,
            "file_name": job.params.get("file_name"),
            "errors": job.errors,
        }
    return body


def job_response(job: FileJob, status: int = 200, **headers: str) -> Response:
    route = "file_jobs.Export" if job.kind is JobKind.EXPORT else "file_jobs.Import"
    extra = {"Location": url_for(route, job_id=job.id)} if status == 202 else {}
    return json_response(job_body(job), status, PRIVATE | extra | headers)


def owned(job_id: uuid.UUID, kind: JobKind) -> FileJob:
    job = services().file_jobs.get(me(), job_id)
    if job.kind is not kind:
        raise ProblemError(404, "Not Found", _JOB_NOT_FOUND + ".", slug="not-found")
    return job


blp = Blueprint(
    "file_jobs",
    __name__,
    url_prefix="/api/v1/tasks",
    description="Export and import jobs: seen by their owner and admins only.",
)
blp.before_request(require_token)


@blp.route("/exports/")
class Exports(MethodView):
    @blp.arguments(ExportRequestSchema())
    @blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
    @bearer(blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Export the tasks you see under these filters to CSV or JSON, as a job."""
        args = body["filters"]
        parse_sort(args.get("sort"), ranked=bool(args.get("q")))  # a bad sort is a 422 now
        sent = request.get_json(silent=True) or {}
        job = services().file_jobs.request_export(
            me(),
            body["format"],
            sent.get("filters") or {},
            task_filter(me(), args),
            args.get("sort"),
        )
        return job_response(job, 202)


@blp.route("/exports/<uuid:job_id>")
class Export(MethodView):
    @blp.response(200, JobSchema)
    @problem(blp, 404, _JOB_NOT_FOUND)
    @bearer(blp)
    def get(self, job_id: uuid.UUID) -> Any:
        """An export job: status, progress and, when done, a signed `download_url`."""
        return job_response(owned(job_id, JobKind.EXPORT))


@blp.route("/imports/")
class Imports(MethodView):
    @blp.arguments(ImportQuerySchema(), location="query", unknown=ma.RAISE, as_kwargs=True)
    @blp.arguments(ImportFileSchema(), location="files", as_kwargs=True)
    @blp.response(202, JobSchema, headers={"Location": {"schema": {"type": "string"}}})
    @problem(blp, 413, "The file exceeds the import size limit")
    @problem(blp, 422, "Not UTF-8, NUL bytes, not CSV or JSON, unknown columns, too many rows")
    @bearer(blp)
    def post(self, file: Any, dry_run: bool) -> Any:
        """Import tasks from a CSV or JSON file, as a job: valid rows become tasks (as by
        `POST /tasks/`), invalid ones are reported; the same file twice is the same job."""
        # Shown back and stored as text: printable characters only (no NUL, no controls).
        given = (file.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
        name = "".join(ch for ch in given if ch.isprintable())[:200] or "upload"
        fmt = _format_of(name, file.mimetype)
        limit = services().file_jobs.max_bytes
        content = file.stream.read(limit + 1)
        if len(content) > limit:
            raise ProblemError(
                413, "Content Too Large", f"An import file has at most {limit} bytes."
            )
        job, replayed = services().file_jobs.request_import(
            me(), fmt, name, content, dry_run=dry_run
        )
        extra = {"Idempotent-Replayed": "true"} if replayed else {}
        return job_response(job, 202, **extra)


@blp.route("/imports/<uuid:job_id>")
class Import(MethodView):
    @blp.response(200, JobSchema)
    @problem(blp, 404, _JOB_NOT_FOUND)
    @bearer(blp)
    def get(self, job_id: uuid.UUID) -> Any:
        """An import job: status, progress, counts and the per-row errors."""
        return job_response(owned(job_id, JobKind.IMPORT))


def _format_of(name: str, mimetype: str) -> FileFormat:
    lowered = name.lower()
    if lowered.endswith(".csv") or mimetype == "text/csv":
        return FileFormat.CSV
    if lowered.endswith(".json") or mimetype == "application/json":
        return FileFormat.JSON
    raise ProblemError(
        422,
        "Unprocessable Content",
        "The file is neither CSV nor JSON.",
        slug="validation",
        errors={"file": ["Send a .csv or .json file (or text/csv, application/json)."]},
    )
