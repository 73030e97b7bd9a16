"""What happened to a task: the events its aggregate records as it changes.

Each is past tense and says who (`actor_id`, None for the system's own jobs) and when. The
unit of work hands them to one translator (application.recording), which turns each into
the history row and the integration events of the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tasks_service.domain.workflow import Status


@dataclass(frozen=True, slots=True)
class Change:
    """One field's move, recorded in the history as `{field: {"old": …, "new": …}}`."""

    field: str
    old: Any
    new: Any


def changes_as_json(changes: Iterable[Change]) -> dict[str, dict[str, Any]]:
    return {c.field: {"old": jsonable(c.old), "new": jsonable(c.new)} for c in changes}


def jsonable(value: Any) -> Any:
    """A value as history and events record it (JSON types only)."""
    match value:
        case StrEnum():
            return value.value
        case uuid.UUID() | Decimal():
            return str(value)
        case datetime():
            return value.isoformat()
        case list() | tuple():
            return [jsonable(item) for item in value]
        case _:
            return value


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskEvent:
    task_id: uuid.UUID
    actor_id: uuid.UUID | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskCreated(TaskEvent):
    changes: tuple[Change, ...]
    """The initial values (those that are not empty), the assignees among them."""
    assignee_ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskEdited(TaskEvent):
    changes: tuple[Change, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusChanged(TaskEvent):
    old: Status
    new: Status
    automatic: str | None = None
    """Why the system moved the task by itself (auto_complete); None for a person's move."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AssigneesAdded(TaskEvent):
    user_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AssigneesRemoved(TaskEvent):
    user_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskArchived(TaskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRestored(TaskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskBecameOverdue(TaskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDueSoon(TaskEvent):
    due_date: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskPurged(TaskEvent):
    archived_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskRepublished(TaskEvent):
    """Nothing changed: the task is announced again as it is (snapshots, to rebuild read
    models elsewhere), with the status it had from each instant on, oldest first."""

    status_history: tuple[tuple[datetime, str], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentAdded(TaskEvent):
    comment_id: uuid.UUID
    body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentEdited(TaskEvent):
    comment_id: uuid.UUID
    old_body: str
    new_body: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentDeleted(TaskEvent):
    comment_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class DependencyAdded(TaskEvent):
    """Recorded by both tasks of the edge: `blocked_id` is blocked by `blocking_id`."""

    blocked_id: uuid.UUID
    blocking_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class DependencyRemoved(TaskEvent):
    """Recorded by both tasks of the edge that went."""

    blocked_id: uuid.UUID
    blocking_id: uuid.UUID


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaAtRisk(TaskEvent):
    """75 % of an SLA target passed (ADR 0020); the assignees are told."""

    policy_id: uuid.UUID
    response_due: datetime
    resolution_due: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaBreached(TaskEvent):
    """An SLA target passed: the priority went one step up by itself (`old_priority` →
    the task's priority; equal when it already was urgent) and `escalated_to` are told."""

    policy_id: uuid.UUID
    response_due: datetime
    resolution_due: datetime
    old_priority: Any
    escalated_to: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OccurrenceScheduled(TaskEvent):
    """This occurrence of a recurring series begot the next one (ADR 0020)."""

    next_task_id: uuid.UUID
    due_date: datetime
