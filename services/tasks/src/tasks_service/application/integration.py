"""Integration events tasks publishes (contracts in shared/contracts/tasks.task.*.json).

Every event carries the task's summary after the change (the fields declared with
`summary=True`, who created it, who is assigned, `version` …), so a consumer (notifications,
analytics) needs no call back to tasks; event-specific fields say what happened.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tasks_service.domain.events import jsonable
from tasks_service.domain.model import FIELDS, Task

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
TASK_DEPENDENCY_ADDED = "tasks.task.dependency_added.v1"
TASK_DEPENDENCY_REMOVED = "tasks.task.dependency_removed.v1"
TASK_SNAPSHOT = "tasks.task.snapshot.v1"
TASK_SLA_AT_RISK = "tasks.task.sla_at_risk.v1"
TASK_SLA_BREACHED = "tasks.task.sla_breached.v1"

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
    TASK_DEPENDENCY_ADDED,
    TASK_DEPENDENCY_REMOVED,
    TASK_SLA_AT_RISK,
    TASK_SLA_BREACHED,
    TASK_SNAPSHOT,
)
_SUMMARY_FIELDS = tuple(spec.name for spec in FIELDS if spec.summary)


def task_summary(task: Task, actor_id: uuid.UUID | None, at: datetime) -> dict[str, Any]:
    """The summary every task event starts with."""
    return {
        "task_id": str(task.id),
        **{name: jsonable(getattr(task, name)) for name in _SUMMARY_FIELDS},
        "created_by": str(task.created_by),
        "assignee_ids": [str(user_id) for user_id in task.assignee_ids],
        "is_archived": task.is_archived,
        "is_overdue": task.is_overdue,
        "version": task.version,
        "actor_id": jsonable(actor_id),
        "occurred_at": at.isoformat(),
    }
