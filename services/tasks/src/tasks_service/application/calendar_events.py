"""Integration events of working calendars and team settings (contracts in
shared/contracts/tasks.calendar.*.json and tasks.team_settings.*.v1.json).

Each carries the whole state after the change with its version, so a consumer keeping a
replica (timetracking: expected hours) keeps the newest whatever the delivery order. The
snapshots (`tasks-service publish-snapshots`) carry the same state built by the same code, at
the current version, with no actor: a live event and a snapshot cannot drift apart.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from tasks_service.application.ports import TasksUnitOfWork
from tasks_service.domain.automation import Calendar, TeamSettings

CALENDAR_CREATED = "tasks.calendar.created.v1"
CALENDAR_UPDATED = "tasks.calendar.updated.v1"
CALENDAR_DELETED = "tasks.calendar.deleted.v1"
TEAM_SETTINGS_UPDATED = "tasks.team_settings.updated.v1"
CALENDAR_SNAPSHOT = "tasks.calendar.snapshot.v1"
TEAM_SETTINGS_SNAPSHOT = "tasks.team_settings.snapshot.v1"
CALENDAR_EVENT_TYPES = (
    CALENDAR_CREATED,
    CALENDAR_UPDATED,
    CALENDAR_DELETED,
    TEAM_SETTINGS_UPDATED,
    CALENDAR_SNAPSHOT,
    TEAM_SETTINGS_SNAPSHOT,
)


def record_calendar(
    uow: TasksUnitOfWork, event_type: str, calendar: Calendar, actor_id: uuid.UUID
) -> None:
    data = _calendar_data(calendar, actor_id, calendar.updated_at)
    uow.outbox.add_event(event_type, str(calendar.id), data)


def record_calendar_snapshot(uow: TasksUnitOfWork, calendar: Calendar, at: datetime) -> None:
    """The calendar as it is now; `occurred_at` is when the snapshot was taken."""
    data = _calendar_data(calendar, None, at) | {"updated_at": calendar.updated_at.isoformat()}
    uow.outbox.add_event(CALENDAR_SNAPSHOT, str(calendar.id), data)


def _calendar_data(calendar: Calendar, actor_id: uuid.UUID | None, at: datetime) -> dict[str, Any]:
    hours = calendar.hours
    return {
        "calendar_id": str(calendar.id),
        "name": calendar.name,
        "timezone": hours.timezone,
        "working_days": sorted(hours.working_days),
        "day_start": hours.day_start.isoformat(),
        "day_end": hours.day_end.isoformat(),
        "holidays": [day.isoformat() for day in sorted(hours.holidays)],
        "version": calendar.version,
        "actor_id": str(actor_id) if actor_id else None,
        "occurred_at": at.isoformat(),
    }


def record_calendar_deleted(
    uow: TasksUnitOfWork, calendar: Calendar, actor_id: uuid.UUID, at: datetime
) -> None:
    """The deletion takes the next version: an update delivered after it is older."""
    data = {
        "calendar_id": str(calendar.id),
        "version": calendar.version + 1,
        "actor_id": str(actor_id),
        "occurred_at": at.isoformat(),
    }
    uow.outbox.add_event(CALENDAR_DELETED, str(calendar.id), data)


def record_team_settings(
    uow: TasksUnitOfWork, settings: TeamSettings, actor_id: uuid.UUID, at: datetime
) -> None:
    data = _team_settings_data(settings, actor_id, settings.updated_at or at)
    uow.outbox.add_event(TEAM_SETTINGS_UPDATED, str(settings.team_id), data)


def record_team_settings_snapshot(
    uow: TasksUnitOfWork, settings: TeamSettings, at: datetime
) -> None:
    """Saved settings only (version ≥ 1): a team without any works the default calendar,
    which is what a replica assumes for a team it has never heard of."""
    data = _team_settings_data(settings, None, at)
    data["updated_at"] = (settings.updated_at or at).isoformat()
    uow.outbox.add_event(TEAM_SETTINGS_SNAPSHOT, str(settings.team_id), data)


def _team_settings_data(
    settings: TeamSettings, actor_id: uuid.UUID | None, at: datetime
) -> dict[str, Any]:
    return {
        "team_id": str(settings.team_id),
        "calendar_id": str(settings.calendar_id) if settings.calendar_id else None,
        "auto_assign": settings.auto_assign.value,
        "version": settings.version,
        "actor_id": str(actor_id) if actor_id else None,
        "occurred_at": at.isoformat(),
    }
