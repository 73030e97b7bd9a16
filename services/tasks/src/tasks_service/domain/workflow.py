"""A task's status workflow and its priorities."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from tasks_service.domain.errors import InvalidTransition


class Status(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    IN_REVIEW = "in_review"
    BLOCKED = "blocked"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    Status.TODO: frozenset({Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset(
        {Status.TODO, Status.IN_REVIEW, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.IN_REVIEW: frozenset(
        {Status.IN_PROGRESS, Status.BLOCKED, Status.DONE, Status.CANCELLED}
    ),
    Status.BLOCKED: frozenset({Status.TODO, Status.IN_PROGRESS, Status.CANCELLED}),
    # Closed tasks can be reopened, each into the state it most likely left.
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.CANCELLED: frozenset({Status.TODO}),
}
"""The workflow: from each status, the statuses a task may move to (docs/API.md)."""

CLOSED = frozenset({Status.DONE, Status.CANCELLED})
INITIAL = frozenset({Status.TODO}) | TRANSITIONS[Status.TODO]
"""A new task starts in `todo` or any status reachable from it."""


def check_transition(current: Status, wanted: Status) -> None:
    if wanted != current and wanted not in TRANSITIONS[current]:
        raise InvalidTransition(
            current.value, wanted.value, (s.value for s in TRANSITIONS[current])
        )


def raised(priority: Priority) -> Priority:
    """One step up (urgent stays urgent): an SLA breach's escalation."""
    order = list(Priority)
    return order[min(order.index(priority) + 1, len(order) - 1)]
