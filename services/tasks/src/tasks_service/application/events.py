"""Integration events tasks publishes (contracts in shared/contracts/tasks.task.*.json).

Every event carries the task's summary after the change (who created it, who is assigned,
its team, status and due date, `version`), so a consumer (notifications, analytics) needs
no call back to tasks; event-specific fields say what happened.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tasks_service.domain.model import Change, Comment, Task, changes_as_json, jsonable

TASK_CREATED = "tasks.task.created.v1"
TASK_UPDATED = "tasks.task.updated.v1"
TASK_STATUS_CHANGED = "tasks.task.status_changed.v1"
TASK_ASSIGNED = "tasks.task.assigned.v1"
TASK_UNASSIGNED = "tasks.task.unassigned.v1"
TASK_COMMENTED = "tasks.task.commented.v1"
TASK_ARCHIVED = "tasks.task.archived.v1"
TASK_RESTORED = "tasks.task.restored.v1"
TASK_DELETED = "tasks.task.deleted.v1"
TASK_OVERDUE = "tasks.task.overdue.v1"
TASK_DUE_SOON = "tasks.task.due_soon.v1"

EMITTED_TYPES = (
    TASK_CREATED,
    TASK_UPDATED,
    TASK_STATUS_CHANGED,
    TASK_ASSIGNED,
    TASK_UNASSIGNED,
    TASK_COMMENTED,
    TASK_ARCHIVED,
    TASK_RESTORED,
    TASK_DELETED,
    TASK_OVERDUE,
    TASK_DUE_SOON,
)
COMMENT_EXCERPT = 500


def task_data(task: Task, actor_id: uuid.UUID | None, at: datetime) -> dict[str, Any]:
    """The summary every task event starts with."""
    return {
        "task_id": str(task.id),
        "title": task.title,
        "status": task.status.value,
        "priority": task.priority.value,
        "due_date": jsonable(task.due_date),
        "team_id": jsonable(task.team_id),
        "parent_task_id": jsonable(task.parent_task_id),
        "created_by": str(task.created_by),
        "assignee_ids": [str(user_id) for user_id in task.assignee_ids],
        "tags": list(task.tags),
        "is_archived": task.is_archived,
        "is_overdue": task.is_overdue,
        "version": task.version,
        "actor_id": jsonable(actor_id),
        "occurred_at": at.isoformat(),
    }


def updated_data(
    task: Task, actor_id: uuid.UUID, at: datetime, changes: Sequence[Change]
) -> dict[str, Any]:
    return task_data(task, actor_id, at) | {"changes": changes_as_json(changes)}


def status_changed_data(
    task: Task, actor_id: uuid.UUID, at: datetime, old_status: str
) -> dict[str, Any]:
    return task_data(task, actor_id, at) | {
        "old_status": old_status,
        "new_status": task.status.value,
    }


def assignment_data(
    task: Task, actor_id: uuid.UUID, at: datetime, user_ids: Sequence[uuid.UUID]
) -> dict[str, Any]:
    """`assigned` (user_ids = the new assignees) and `unassigned` (the removed ones)."""
    return task_data(task, actor_id, at) | {"user_ids": [str(user_id) for user_id in user_ids]}


def commented_data(task: Task, comment: Comment, at: datetime) -> dict[str, Any]:
    return task_data(task, comment.author_id, at) | {
        "comment_id": str(comment.id),
        "comment_excerpt": comment.body[:COMMENT_EXCERPT],
    }


def deleted_data(task: Task, actor_id: uuid.UUID | None, at: datetime) -> dict[str, Any]:
    return task_data(task, actor_id, at) | {"archived_at": jsonable(task.archived_at)}
