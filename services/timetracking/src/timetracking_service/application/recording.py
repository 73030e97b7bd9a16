"""What the aggregates recorded becomes outbox rows, in the unit of work's transaction.

Each timesheet step also becomes a row of the sheet's history (who, what, why, when).
Each entry event carries its task's roll-up after the change (`task_logged_minutes`) with a
per-task version taken under a row lock, so a consumer keeps the newest total whatever order
the events arrive in.
"""

from __future__ import annotations

from datetime import datetime

from timetracking_service.application.ports import EventOutbox, TimeUnitOfWork
from timetracking_service.domain.calendar import iso_week_of
from timetracking_service.domain.model import EntryEvent, TimeEntry, Timesheet, TimesheetEvent

ENTRY_EVENT = "timetracking.entry.{kind}.v1"
TIMESHEET_STATUS_CHANGED = "timetracking.timesheet.status_changed.v1"


def _stamp(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def entry_data(event: EntryEvent, logged_minutes: int, rollup_version: int) -> dict[str, object]:
    entry: TimeEntry = event.entry
    return {
        "entry_id": str(entry.id),
        "task_id": str(entry.task_id),
        "user_id": str(entry.user_id),
        "team_id": str(entry.team_id) if entry.team_id else None,
        "work_date": entry.work_date.isoformat(),
        "started_at": _stamp(entry.started_at),
        "ended_at": _stamp(entry.ended_at),
        "duration_minutes": entry.duration_minutes,
        "billable": entry.billable,
        "source": entry.source.value,
        "version": entry.version,
        "task_logged_minutes": logged_minutes,
        "task_rollup_version": rollup_version,
        "actor_id": str(event.actor_id) if event.actor_id else None,
        "occurred_at": entry.updated_at.isoformat(),
    }


def timesheet_data(event: TimesheetEvent) -> dict[str, object]:
    sheet: Timesheet = event.timesheet
    return {
        "user_id": str(sheet.user_id),
        "week": iso_week_of(sheet.week_start),
        "status": sheet.status.value,
        "action": event.action,
        "version": sheet.version,
        "reason": sheet.reason,
        "actor_id": str(event.actor_id),
        "occurred_at": _stamp(event.at),
    }


def record_changes(
    uow: TimeUnitOfWork,
    outbox: EventOutbox,
    entries: list[TimeEntry],
    timesheets: list[Timesheet],
    causation_id: str | None,
) -> None:
    for entry in entries:
        events, entry.events = entry.events, []
        for event in events:
            version = uow.tasks.next_rollup_version(entry.task_id)
            minutes = uow.entries.task_minutes(entry.task_id)
            outbox.add_event(
                ENTRY_EVENT.format(kind=event.kind),
                str(entry.id),
                entry_data(event, minutes, version),
                causation_id=causation_id,
            )
    for sheet in timesheets:
        sheet_events, sheet.events = sheet.events, []
        for sheet_event in sheet_events:
            uow.timesheets.record_step(sheet_event)
            outbox.add_event(
                TIMESHEET_STATUS_CHANGED,
                f"{sheet.user_id}:{iso_week_of(sheet.week_start)}",
                timesheet_data(sheet_event),
                causation_id=causation_id,
            )
