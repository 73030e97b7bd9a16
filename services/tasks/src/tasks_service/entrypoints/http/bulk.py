"""POST /api/v1/tasks/bulk: several task operations, all or nothing (application.bulk)."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import bearer
from taskhive_shared.http.problem import ProblemError, problem_type
from tasks_service.application.archive_task import ArchiveTask, RestoreTask
from tasks_service.application.assign_task import AssignTask
from tasks_service.application.bulk import (
    MAX_OPERATIONS,
    BulkEdit,
    BulkOperationFailed,
    Operation,
)
from tasks_service.application.update_task import UpdateTask
from tasks_service.domain.model import EDITABLE, MAX_ASSIGNEES
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.errors import problem_for
from tasks_service.entrypoints.http.jsonio import json_response
from tasks_service.entrypoints.http.schemas import StrictSchema, TaskPatchSchema, TaskSchema
from tasks_service.entrypoints.http.tasks import assignees_of, task_fields

_PART = {"update": "values", "assign": "user_ids"}
"""The part of an operation that only (and always) goes with its kind."""
OP_NAMES: dict[type[Any], str] = {
    UpdateTask: "update",
    ArchiveTask: "archive",
    RestoreTask: "restore",
    AssignTask: "assign",
}

blp = Blueprint(
    "task_bulk",
    __name__,
    url_prefix="/api/v1/tasks",
    description="Several task operations in one request, all or nothing.",
)
blp.before_request(require_token)


class BulkOperationSchema(StrictSchema):
    id = ma.fields.UUID(required=True, metadata={"description": "The task"})
    op = ma.fields.String(required=True, validate=validate.OneOf(list(OP_NAMES.values())))
    version = ma.fields.Integer(
        strict=True,
        validate=validate.Range(min=1),
        metadata={
            "description": "Like If-Match: the task's version this operation expects (after "
            "the bulk's earlier operations on the same task)"
        },
    )
    values = ma.fields.Nested(
        TaskPatchSchema, metadata={"description": "`update`: the fields to change, as PATCH"}
    )
    user_ids = ma.fields.List(
        ma.fields.UUID(),
        validate=validate.Length(min=1, max=MAX_ASSIGNEES),
        metadata={"description": "`assign`: users to add as assignees"},
    )

    @ma.validates_schema
    def _parts(self, data: dict[str, Any], **_: Any) -> None:
        wanted = _PART.get(data["op"])
        for part in ("values", "user_ids"):
            if part == wanted and part not in data:
                raise ma.ValidationError(f"Required with `{data['op']}`.", part)
            if part != wanted and part in data:
                raise ma.ValidationError(f"Not allowed with `{data['op']}`.", part)


class BulkSchema(StrictSchema):
    operations = ma.fields.List(
        ma.fields.Nested(BulkOperationSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_OPERATIONS),
    )


class BulkResultSchema(ma.Schema):
    items = ma.fields.List(
        ma.fields.Nested(TaskSchema),
        metadata={"description": "Each operation's task as the bulk left it, in order"},
    )


def operation_of(actor_id: uuid.UUID, body: dict[str, Any]) -> Operation:
    task_id, version = body["id"], body.get("version")
    match body["op"]:
        case "update":
            values = body["values"]
            return UpdateTask(
                actor_id=actor_id,
                task_id=task_id,
                fields=task_fields(values),
                given=frozenset(values) & set(EDITABLE),
                assignee_ids=assignees_of(values),
                expected_version=version,
            )
        case "archive":
            return ArchiveTask(actor_id, task_id, version)
        case "restore":
            return RestoreTask(actor_id, task_id, version)
    return AssignTask(actor_id, task_id, tuple(body["user_ids"]), version)


def bulk_problem(failure: BulkOperationFailed) -> ProblemError:
    """Invalid values → 422 naming `operations.<i>.<field>`; any other refusal of one
    operation (404, 403, 409, 412 on its own) → 409 naming `operations.<i>`."""
    inner = problem_for(failure.error)
    where = f"operations.{failure.index}"
    operation = failure.operation
    label = f"Operation {failure.index} ({OP_NAMES[type(operation)]} of task {operation.task_id})"
    if inner.status == 422:
        prefix = f"{where}.values" if isinstance(operation, UpdateTask) else where
        errors = {f"{prefix}.{name}": messages for name, messages in (inner.errors or {}).items()}
        return ProblemError(
            422,
            "Unprocessable Content",
            f"{label} has invalid fields; nothing was written.",
            slug="validation",
            errors=errors,
        )
    kind = problem_type(inner.slug) if inner.slug else "about:blank"
    return ProblemError(
        409,
        "Conflict",
        f"{label} was refused ({inner.status} {inner.title}: {inner.detail}); nothing was written.",
        slug="bulk-operation-failed",
        errors={where: [f"{inner.status} {kind}: {inner.detail}"]},
    )


@blp.route("/bulk")
class Bulk(MethodView):
    @blp.arguments(BulkSchema())
    @blp.response(200, BulkResultSchema)
    @problem(blp, 403, "The caller's account is deactivated")
    @problem(
        blp,
        409,
        "One operation was refused (not found, not allowed, workflow, archived, stale "
        "version): `errors` names it as `operations.<index>`; nothing was written",
    )
    @problem(blp, 422, "Invalid operations, or one operation's invalid values, by index")
    @bearer(blp)
    def post(self, body: dict[str, Any]) -> Any:
        """Update, archive, restore or assign up to 100 tasks in one transaction. Each
        operation is checked as if it were its own request; the first one refused fails
        the whole bulk and nothing is written. Events and history are per task."""
        actor_id = me()
        operations = tuple(operation_of(actor_id, item) for item in body["operations"])
        documents = services().bulk_edit(BulkEdit(actor_id, operations))
        return json_response({"items": [document.fields for document in documents]})
