"""Dependencies between tasks and the critical path of a parent: thin adapters to
application.dependencies."""

from __future__ import annotations

import uuid
from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from taskhive_shared.http.docs import problem
from taskhive_shared.http.endpoints import bearer
from tasks_service.application.dependencies import (
    AddDependency,
    Dependencies,
    RemoveDependency,
)
from tasks_service.application.ports import LinkedTask
from tasks_service.domain.model import Status
from tasks_service.entrypoints.http.context import me, require_token, services
from tasks_service.entrypoints.http.schemas import StrictSchema

_NOT_FOUND = "No task you can see has this id (either of the two)"


class DependencyCreateSchema(StrictSchema):
    blocked_by = ma.fields.UUID(
        required=True,
        metadata={"description": "The task that must be closed before this one starts"},
    )


class LinkedTaskSchema(ma.Schema):
    id = ma.fields.UUID()
    title = ma.fields.String()
    status = ma.fields.Enum(Status, by_value=True)
    is_open = ma.fields.Boolean(metadata={"description": "Neither done, cancelled nor archived"})


class DependenciesSchema(ma.Schema):
    blocked_by = ma.fields.List(
        ma.fields.Nested(LinkedTaskSchema),
        metadata={"description": "The tasks that block this one (those you can see)"},
    )
    blocks = ma.fields.List(
        ma.fields.Nested(LinkedTaskSchema),
        metadata={"description": "The tasks this one blocks (those you can see)"},
    )


class CriticalPathSchema(ma.Schema):
    tasks = ma.fields.List(
        ma.fields.UUID(), metadata={"description": "Subtask ids in order, blockers first"}
    )
    total_hours = ma.fields.String(
        metadata={"description": "Sum of their estimated hours", "example": "12.50"}
    )
    missing_estimates = ma.fields.List(
        ma.fields.UUID(),
        metadata={"description": "Open subtasks without an estimate (counted as zero)"},
    )


def _linked(task: LinkedTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "status": Status(task.status),
        "is_open": task.is_open,
    }


def _listing(found: Dependencies) -> dict[str, Any]:
    return {
        "blocked_by": [_linked(t) for t in found.blocked_by],
        "blocks": [_linked(t) for t in found.blocks],
    }


blp = Blueprint(
    "dependencies",
    __name__,
    url_prefix="/api/v1/tasks",
    description='Dependencies between tasks ("A is blocked by B", no cycles) and the '
    "critical path of a parent's open subtasks.",
)
blp.before_request(require_token)


@blp.route("/<uuid:task_id>/dependencies")
class TaskDependencies(MethodView):
    @blp.response(200, DependenciesSchema)
    @problem(blp, 404, _NOT_FOUND)
    @bearer(blp)
    def get(self, task_id: uuid.UUID) -> Any:
        """What blocks the task and what it blocks."""
        return _listing(services().dependencies.list(me(), task_id))

    @blp.arguments(DependencyCreateSchema())
    @blp.response(201, DependenciesSchema)
    @problem(blp, 403, "Only the creator, assignees, managers and admins edit the task")
    @problem(blp, 404, _NOT_FOUND)
    @problem(
        blp,
        409,
        "The dependency would close a cycle (`cycle` lists it), already exists, or a task "
        "is archived",
    )
    @bearer(blp)
    def post(self, body: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Make the task blocked by another one you can see; answers the new listing."""
        command = AddDependency(me(), task_id, body["blocked_by"])
        return _listing(services().dependencies.add(command))


@blp.route("/<uuid:task_id>/dependencies/<uuid:other_id>")
class TaskDependency(MethodView):
    @blp.response(204)
    @problem(blp, 403, "Only the creator, assignees, managers and admins edit the task")
    @problem(blp, 404, _NOT_FOUND + ", or it does not block the task")
    @problem(blp, 409, "The task is archived")
    @bearer(blp)
    def delete(self, task_id: uuid.UUID, other_id: uuid.UUID) -> Any:
        """The other task no longer blocks this one."""
        services().dependencies.remove(RemoveDependency(me(), task_id, other_id))
        return None


@blp.route("/<uuid:task_id>/critical-path")
class CriticalPathResource(MethodView):
    @blp.response(200, CriticalPathSchema)
    @problem(blp, 404, "No task you can see has this id")
    @bearer(blp)
    def get(self, task_id: uuid.UUID) -> Any:
        """The longest chain of the task's open subtasks through their dependencies, by
        estimated hours (a missing estimate counts as zero and is listed); only subtasks
        you can see take part."""
        path = services().dependencies.critical_path(me(), task_id)
        return {
            "tasks": path.tasks,
            "total_hours": str(path.total_hours),
            "missing_estimates": path.missing_estimates,
        }
