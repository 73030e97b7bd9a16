"""Timesheets and preferences in PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from timetracking_service.adapters.persistence.tables import (
    overtime_reports,
    preferences,
    timesheet_history,
    timesheets,
)
from timetracking_service.application.ports import TimesheetStep
from timetracking_service.domain.errors import StaleVersion
from timetracking_service.domain.model import Timesheet, TimesheetEvent, TimesheetStatus


def _sheet(row: Any) -> Timesheet:
    return Timesheet(
        user_id=row.user_id,
        week_start=row.week_start,
        status=TimesheetStatus(row.status),
        version=row.version,
        submitted_at=row.submitted_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
    )


class SqlAlchemyTimesheetRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.seen: list[Timesheet] = []

    def get(self, user_id: uuid.UUID, week_start: date, *, for_update: bool = False) -> Timesheet:
        query = sa.select(timesheets).where(
            timesheets.c.user_id == user_id, timesheets.c.week_start == week_start
        )
        if for_update:
            # The row may not exist yet: its first writer inserts it (ON CONFLICT below).
            query = query.with_for_update()
        row = self._session.execute(query).first()
        if row is None:
            return Timesheet(user_id=user_id, week_start=week_start)
        return _sheet(row)

    def of_users(
        self, user_ids: Sequence[uuid.UUID], week_start: date
    ) -> dict[uuid.UUID, Timesheet]:
        found = {user: Timesheet(user_id=user, week_start=week_start) for user in user_ids}
        rows = self._session.execute(
            sa.select(timesheets).where(
                timesheets.c.user_id.in_(list(user_ids)), timesheets.c.week_start == week_start
            )
        )
        for row in rows:
            found[row.user_id] = _sheet(row)
        return found

    def save(self, timesheet: Timesheet) -> None:
        values = {
            "status": timesheet.status.value,
            "version": timesheet.version,
            "submitted_at": timesheet.submitted_at,
            "decided_by": timesheet.decided_by,
            "decided_at": timesheet.decided_at,
            "reason": timesheet.reason,
        }
        statement = postgresql.insert(timesheets).values(
            user_id=timesheet.user_id, week_start=timesheet.week_start, **values
        )
        # Two first submissions racing: the second finds the row and must not win blindly.
        result = self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[timesheets.c.user_id, timesheets.c.week_start],
                set_=values,
                where=timesheets.c.version == timesheet.version - 1,
            ).returning(timesheets.c.version)
        ).first()
        if result is None:
            raise StaleVersion(None)
        self.seen.append(timesheet)

    def record_step(self, event: TimesheetEvent) -> None:
        sheet = event.timesheet
        self._session.execute(
            timesheet_history.insert().values(
                user_id=sheet.user_id,
                week_start=sheet.week_start,
                action=event.action,
                status=sheet.status.value,
                version=sheet.version,
                actor_id=event.actor_id,
                reason=sheet.reason,
                at=event.at,
            )
        )

    def history(self, user_id: uuid.UUID, week_start: date) -> list[TimesheetStep]:
        rows = self._session.execute(
            sa.select(timesheet_history)
            .where(
                timesheet_history.c.user_id == user_id,
                timesheet_history.c.week_start == week_start,
            )
            .order_by(timesheet_history.c.id)
        )
        return [
            TimesheetStep(row.action, row.status, row.version, row.actor_id, row.reason, row.at)
            for row in rows
        ]


class SqlAlchemyPreferenceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def auto_tracking(self, user_id: uuid.UUID) -> bool:
        value = self._session.execute(
            sa.select(preferences.c.auto_tracking).where(preferences.c.user_id == user_id)
        ).scalar_one_or_none()
        return bool(value)

    def auto_tracking_of(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not user_ids:
            return set()
        rows = self._session.execute(
            sa.select(preferences.c.user_id).where(
                preferences.c.user_id.in_(list(user_ids)), preferences.c.auto_tracking
            )
        )
        return {row.user_id for row in rows}

    def set_auto_tracking(self, user_id: uuid.UUID, enabled: bool, now: datetime) -> None:
        statement = postgresql.insert(preferences).values(
            user_id=user_id, auto_tracking=enabled, updated_at=now
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[preferences.c.user_id],
                set_={"auto_tracking": enabled, "updated_at": now},
            )
        )


class SqlAlchemyOvertimeReportLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def claim(self, manager_id: uuid.UUID, week_start: date, now: datetime) -> bool:
        inserted = self._session.execute(
            postgresql.insert(overtime_reports)
            .values(manager_id=manager_id, week_start=week_start, sent_at=now)
            .on_conflict_do_nothing()
            .returning(overtime_reports.c.manager_id)
        ).first()
        return inserted is not None
