"""What tasks consumes: users and teams from the users service, into the local replica; and
its own task events, which become notification emails.

The event processor validates each envelope against its contract, opens a unit of work,
records the inbox row and commits; a handler only applies the effect in that unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from taskhive_shared.events.envelope import EventEnvelope
from tasks_service.application.notifications.planning import PlanTaskNotifications
from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.application.replica import ReplicaSync
from tasks_service.application.time_rollup import apply_time_rollup
from tasks_service.domain.notifications import NOTIFYING_EVENTS

QUEUE = "tasks.events-in"
"""Also the `consumer` of this queue's rows in `tasks.inbox`."""
USERS_EXCHANGE = "users.events"
TASKS_EXCHANGE = "tasks.events"
USER_CREATED = "users.user.created.v1"
USER_UPDATED = "users.user.updated.v1"
USER_DEACTIVATED = "users.user.deactivated.v1"
TEAM_CREATED = "users.team.created.v1"
TEAM_UPDATED = "users.team.updated.v1"
TEAM_DELETED = "users.team.deleted.v1"
TEAM_MEMBER_ADDED = "users.team.member_added.v1"
TEAM_MEMBER_REMOVED = "users.team.member_removed.v1"
USERS_EVENTS = (
    USER_CREATED,
    USER_UPDATED,
    USER_DEACTIVATED,
    TEAM_CREATED,
    TEAM_UPDATED,
    TEAM_DELETED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
)
TIMETRACKING_EXCHANGE = "timetracking.events"
TIME_EVENTS = (
    "timetracking.entry.created.v1",
    "timetracking.entry.updated.v1",
    "timetracking.entry.deleted.v1",
)
"""Entries' roll-ups become the task's `actual_hours` (ADR 0022)."""
NOTIFIED = NOTIFYING_EVENTS
"""Tasks' own events that may notify someone (assignments, comments, overdue...)."""
CONSUMED = USERS_EVENTS + NOTIFIED + TIME_EVENTS
"""The types bound to QUEUE; provisioning declares the queue before any relay publishes."""

EventHandler = Callable[[EventEnvelope, TasksUnitOfWork], None]


def event_handlers(sync: ReplicaSync, plan: PlanTaskNotifications) -> dict[str, EventHandler]:
    def user_changed(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        sync.user_changed(envelope.data, uow)

    def user_deactivated(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        sync.user_deactivated(envelope.data, uow)

    def team_changed(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        sync.team_changed(envelope.data, uow)

    def team_deleted(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        sync.team_deleted(envelope.data, uow)

    def task_event(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        plan(envelope.type, envelope.id, envelope.data, uow)

    def time_logged(envelope: EventEnvelope, uow: TasksUnitOfWork) -> None:
        apply_time_rollup(envelope.data, uow)

    return {
        **dict.fromkeys(NOTIFIED, task_event),
        **dict.fromkeys(TIME_EVENTS, time_logged),
        USER_CREATED: user_changed,
        USER_UPDATED: user_changed,
        USER_DEACTIVATED: user_deactivated,
        TEAM_CREATED: team_changed,
        TEAM_UPDATED: team_changed,
        TEAM_MEMBER_ADDED: team_changed,
        TEAM_MEMBER_REMOVED: team_changed,
        TEAM_DELETED: team_deleted,
    }
