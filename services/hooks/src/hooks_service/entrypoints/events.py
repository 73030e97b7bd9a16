"""What hooks consumes: every task, team and user event (the visibility replica, the event
log, webhook deliveries)."""

from __future__ import annotations

from collections.abc import Callable

from hooks_service.application.ingest import IngestEventHandler
from hooks_service.application.ports import HooksUnitOfWork
from taskhive_shared.events.envelope import EventEnvelope

QUEUE = "hooks.events"
"""Also the `consumer` of this queue's rows in `hooks.inbox`."""
TASKS_EXCHANGE = "tasks.events"
USERS_EXCHANGE = "users.events"
TASK_EVENTS = tuple(
    f"tasks.task.{name}.v1"
    for name in (
        "created",
        "updated",
        "assigned",
        "unassigned",
        "status_changed",
        "commented",
        "archived",
        "restored",
        "deleted",
        "overdue",
        "due_soon",
        "dependency_added",
        "dependency_removed",
    )
)
USER_EVENTS = tuple(
    f"users.{name}.v1"
    for name in (
        "user.created",
        "user.updated",
        "user.deactivated",
        "team.created",
        "team.updated",
        "team.deleted",
        "team.member_added",
        "team.member_removed",
    )
)
CONSUMED = {TASKS_EXCHANGE: TASK_EVENTS, USERS_EXCHANGE: USER_EVENTS}

EventHandler = Callable[[EventEnvelope, HooksUnitOfWork], None]


def event_handlers(ingest: IngestEventHandler) -> dict[str, EventHandler]:
    return {event_type: ingest for types in CONSUMED.values() for event_type in types}
