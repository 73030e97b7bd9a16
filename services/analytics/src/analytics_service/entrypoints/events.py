"""What analytics consumes: every task event (its summary feeds the read model), users and
teams (who sees what, and in which time zone).

The event processor validates each envelope against its contract, opens a unit of work,
records the inbox row and commits; a handler only applies the effect in that unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analytics_service.application.ports import AnalyticsUnitOfWork
from analytics_service.application.projection import (
    history_observations,
    project_task,
    project_team,
    project_user,
)
from analytics_service.domain.model import Observation, TaskSummary
from taskhive_shared.events.envelope import EventEnvelope

QUEUE = "analytics.events-in"
"""Also the `consumer` of this queue's rows in `analytics.inbox`."""
TASKS_EXCHANGE = "tasks.events"
USERS_EXCHANGE = "users.events"

TASK_DELETED = "tasks.task.deleted.v1"
TASK_SNAPSHOT = "tasks.task.snapshot.v1"
TASK_TYPES = (
    "tasks.task.created.v1",
    "tasks.task.updated.v1",
    "tasks.task.status_changed.v1",
    "tasks.task.assigned.v1",
    "tasks.task.unassigned.v1",
    "tasks.task.archived.v1",
    "tasks.task.restored.v1",
    TASK_DELETED,
    TASK_SNAPSHOT,
)
USER_TYPES = ("users.user.created.v1", "users.user.updated.v1")
TEAM_DELETED = "users.team.deleted.v1"
TEAM_TYPES = (
    "users.team.created.v1",
    "users.team.updated.v1",
    "users.team.member_added.v1",
    "users.team.member_removed.v1",
    TEAM_DELETED,
)
CONSUMED = {TASKS_EXCHANGE: TASK_TYPES, USERS_EXCHANGE: (*USER_TYPES, *TEAM_TYPES)}
"""The types bound to QUEUE, per producer exchange; provisioning declares the queue."""

EventHandler = Callable[[EventEnvelope, AnalyticsUnitOfWork], None]


def event_handlers() -> dict[str, EventHandler]:
    def on_task(envelope: EventEnvelope, uow: AnalyticsUnitOfWork) -> None:
        data: dict[str, Any] = envelope.data
        summary = TaskSummary.from_event_data(data)
        observed: list[Observation] = []
        if envelope.type == TASK_SNAPSHOT:
            observed = history_observations(summary, data.get("status_history", []))
        project_task(uow, summary, observed, deleted=envelope.type == TASK_DELETED)

    def on_user(envelope: EventEnvelope, uow: AnalyticsUnitOfWork) -> None:
        project_user(uow, envelope.data)

    def on_team(envelope: EventEnvelope, uow: AnalyticsUnitOfWork) -> None:
        project_team(uow, envelope.data, deleted=envelope.type == TEAM_DELETED)

    handlers: dict[str, EventHandler] = dict.fromkeys(TASK_TYPES, on_task)
    handlers |= dict.fromkeys(USER_TYPES, on_user)
    handlers |= dict.fromkeys(TEAM_TYPES, on_team)
    return handlers
