"""Who is told what about a task (DESIGN §7): the rules, free of any transport.

The actor of a change is never told about their own change; people who turned a kind of
notification off in their preferences (users service) are not told either.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class NotificationType(StrEnum):
    """The same names as the users service's notification preferences."""

    TASK_ASSIGNED = "task_assigned"
    TASK_UNASSIGNED = "task_unassigned"
    TASK_STATUS_CHANGED = "task_status_changed"
    TASK_COMMENTED = "task_commented"
    TASK_CREATED = "task_created"
    TASK_OVERDUE = "task_overdue"
    TASK_DUE_SOON = "task_due_soon"
    DAILY_SUMMARY = "daily_summary"
    TASK_SLA_AT_RISK = "task_sla_at_risk"
    TASK_SLA_BREACHED = "task_sla_breached"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: uuid.UUID
    email: str
    display_name: str
    timezone: str
    is_active: bool
    preferences: Mapping[str, bool]

    def wants(self, kind: NotificationType) -> bool:
        # A kind missing from the preferences is on: users' defaults are all on.
        return self.is_active and bool(self.preferences.get(kind.value, True))


@dataclass(frozen=True, slots=True)
class Audience:
    kind: NotificationType
    user_ids: tuple[uuid.UUID, ...]


_EVENT_KINDS: Mapping[str, NotificationType] = {
    "tasks.task.created.v1": NotificationType.TASK_CREATED,
    "tasks.task.assigned.v1": NotificationType.TASK_ASSIGNED,
    "tasks.task.unassigned.v1": NotificationType.TASK_UNASSIGNED,
    "tasks.task.status_changed.v1": NotificationType.TASK_STATUS_CHANGED,
    "tasks.task.commented.v1": NotificationType.TASK_COMMENTED,
    "tasks.task.overdue.v1": NotificationType.TASK_OVERDUE,
    "tasks.task.due_soon.v1": NotificationType.TASK_DUE_SOON,
    "tasks.task.sla_at_risk.v1": NotificationType.TASK_SLA_AT_RISK,
    "tasks.task.sla_breached.v1": NotificationType.TASK_SLA_BREACHED,
}
NOTIFYING_EVENTS = tuple(_EVENT_KINDS)


def audience_of(event_type: str, data: Mapping[str, object]) -> Audience | None:
    """The people a task event concerns, without its actor; None for other events."""
    kind = _EVENT_KINDS.get(event_type)
    if kind is None:
        return None
    if kind is NotificationType.TASK_ASSIGNED and data.get("version") == 1:
        # Assigned at creation: the `created` notification already tells these people.
        concerned = []
    elif kind in (NotificationType.TASK_ASSIGNED, NotificationType.TASK_UNASSIGNED):
        concerned = _ids(data.get("user_ids"))
    elif kind is NotificationType.TASK_SLA_BREACHED:
        # Escalation: the team's managers (named by the job that saw the breach).
        concerned = _ids(data.get("escalated_to"))
    elif kind in (NotificationType.TASK_STATUS_CHANGED, NotificationType.TASK_COMMENTED):
        # The creator follows their task as well as its assignees.
        concerned = [*_ids(data.get("assignee_ids")), *_ids([data.get("created_by")])]
    else:
        concerned = _ids(data.get("assignee_ids"))
    actor = data.get("actor_id")
    people = tuple(dict.fromkeys(u for u in concerned if str(u) != str(actor)))
    return Audience(kind, people)


def _ids(values: object) -> list[uuid.UUID]:
    if not isinstance(values, Iterable) or isinstance(values, str):
        return []
    return [uuid.UUID(str(value)) for value in values if value]


def due_occasion(task_id: uuid.UUID, due_date: str | None) -> str:
    """Overdue and due-soon happen once per task and due date: a new date re-arms them."""
    return f"{task_id}:due:{due_date or 'none'}"
