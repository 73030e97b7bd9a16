"""What timetracking consumes: tasks (the replica, and the workflow's automatic timers), the
teams' working calendars (expected hours) and users and teams (roles, time zones, memberships).

The event processor validates each envelope against its contract, opens a unit of work,
records the inbox row and commits: a redelivered event finds its inbox row and has no
second effect, so a status change starts or stops a timer exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskhive_shared.events.envelope import EventEnvelope
from timetracking_service.application.services import TimeTrackingServices

QUEUE = "timetracking.events-in"
"""Also the `consumer` of this queue's rows in `timetracking.inbox`."""
TASKS_EXCHANGE = "tasks.events"
USERS_EXCHANGE = "users.events"
TASK_EVENTS = (
    "tasks.task.created.v1",
    "tasks.task.updated.v1",
    "tasks.task.status_changed.v1",
    "tasks.task.assigned.v1",
    "tasks.task.unassigned.v1",
    "tasks.task.archived.v1",
    "tasks.task.restored.v1",
    "tasks.task.deleted.v1",
)
CALENDAR_EVENTS = (
    "tasks.calendar.created.v1",
    "tasks.calendar.updated.v1",
    "tasks.calendar.deleted.v1",
    "tasks.team_settings.updated.v1",
    # `tasks-service publish-snapshots`: what existed before this queue did, applied like an
    # update (newer version only; a deletion's tombstone wins over an older snapshot).
    "tasks.calendar.snapshot.v1",
    "tasks.team_settings.snapshot.v1",
)
USER_EVENTS = (
    "users.user.created.v1",
    "users.user.updated.v1",
    "users.user.deactivated.v1",
    "users.team.member_added.v1",
    "users.team.member_removed.v1",
    "users.team.deleted.v1",
)
CONSUMED = {TASKS_EXCHANGE: TASK_EVENTS + CALENDAR_EVENTS, USERS_EXCHANGE: USER_EVENTS}
"""Exchange → the types bound to QUEUE; provisioning declares it before any relay publishes."""

EventHandler = Callable[[EventEnvelope, Any], None]


def event_handlers(services: TimeTrackingServices) -> dict[str, EventHandler]:
    replicas = services.replicas

    def on_task(envelope: EventEnvelope, uow: Any) -> None:
        uow.causation_id = str(envelope.id)
        replicas.apply_task(envelope.data, uow, deleted=envelope.type == "tasks.task.deleted.v1")

    def on_user(envelope: EventEnvelope, uow: Any) -> None:
        replicas.apply_user(envelope.data, uow)

    def on_deactivated(envelope: EventEnvelope, uow: Any) -> None:
        replicas.deactivate_user(envelope.data, uow)

    def on_member_added(envelope: EventEnvelope, uow: Any) -> None:
        replicas.team_member_added(envelope.data, uow)

    def on_member_removed(envelope: EventEnvelope, uow: Any) -> None:
        replicas.team_member_removed(envelope.data, uow)

    def on_team_deleted(envelope: EventEnvelope, uow: Any) -> None:
        replicas.team_deleted(envelope.data, uow)

    def on_calendar(envelope: EventEnvelope, uow: Any) -> None:
        replicas.apply_calendar(envelope.data, uow)

    def on_calendar_deleted(envelope: EventEnvelope, uow: Any) -> None:
        replicas.calendar_deleted(envelope.data, uow)

    def on_team_settings(envelope: EventEnvelope, uow: Any) -> None:
        replicas.apply_team_settings(envelope.data, uow)

    handlers: dict[str, EventHandler] = {event_type: on_task for event_type in TASK_EVENTS}
    handlers |= {
        "tasks.calendar.created.v1": on_calendar,
        "tasks.calendar.updated.v1": on_calendar,
        "tasks.calendar.deleted.v1": on_calendar_deleted,
        "tasks.team_settings.updated.v1": on_team_settings,
        "tasks.calendar.snapshot.v1": on_calendar,
        "tasks.team_settings.snapshot.v1": on_team_settings,
        "users.user.created.v1": on_user,
        "users.user.updated.v1": on_user,
        "users.user.deactivated.v1": on_deactivated,
        "users.team.member_added.v1": on_member_added,
        "users.team.member_removed.v1": on_member_removed,
        "users.team.deleted.v1": on_team_deleted,
    }
    return handlers
