"""Timetracking's unit of work: entries, timesheets, preferences, replicas and the outbox in
one transaction; on commit, what the aggregates recorded is written to the outbox first."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Session

from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork
from taskhive_shared.idempotency import SqlAlchemyIdempotencyStore
from timetracking_service.adapters.persistence.entries import SqlAlchemyEntryRepository
from timetracking_service.adapters.persistence.replicas import (
    SqlAlchemyCalendarReplica,
    SqlAlchemyMemberReplica,
    SqlAlchemyTaskReplica,
)
from timetracking_service.adapters.persistence.sheets import (
    SqlAlchemyOvertimeReportLog,
    SqlAlchemyPreferenceRepository,
    SqlAlchemyTimesheetRepository,
)
from timetracking_service.adapters.persistence.tables import idempotency_keys
from timetracking_service.application.recording import record_changes

TIMER_LOCK_SPACE = 0x7469_6D65
"""`time`: the first key of the advisory locks on users' timers."""


class SqlAlchemyTimeUnitOfWork(SqlAlchemyUnitOfWork):
    entries: SqlAlchemyEntryRepository
    tasks: SqlAlchemyTaskReplica
    members: SqlAlchemyMemberReplica
    timesheets: SqlAlchemyTimesheetRepository
    preferences: SqlAlchemyPreferenceRepository
    overtime_reports: SqlAlchemyOvertimeReportLog
    calendars: SqlAlchemyCalendarReplica
    idempotency: SqlAlchemyIdempotencyStore
    causation_id: str | None = None

    def _open_repositories(self, session: Session) -> None:
        self.entries = SqlAlchemyEntryRepository(session)
        self.tasks = SqlAlchemyTaskReplica(session)
        self.members = SqlAlchemyMemberReplica(session)
        self.timesheets = SqlAlchemyTimesheetRepository(session)
        self.preferences = SqlAlchemyPreferenceRepository(session)
        self.overtime_reports = SqlAlchemyOvertimeReportLog(session)
        self.calendars = SqlAlchemyCalendarReplica(session)
        self.idempotency = SqlAlchemyIdempotencyStore(session, idempotency_keys)
        self.causation_id = None

    def lock_user_timer(self, user_id: uuid.UUID) -> None:
        key = int.from_bytes(user_id.bytes[12:], "big", signed=True)
        self.session.execute(sa.select(sa.func.pg_advisory_xact_lock(TIMER_LOCK_SPACE, key)))

    def commit(self) -> None:
        record_changes(
            self, self.outbox, self.entries.seen, self.timesheets.seen, self.causation_id
        )
        self.entries.seen, self.timesheets.seen = [], []
        super().commit()
