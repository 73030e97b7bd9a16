"""Report schedules and their runs in PostgreSQL (`analytics.report_schedules`, `…_runs`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from analytics_service.adapters.persistence.tables import report_schedule_runs, report_schedules
from analytics_service.domain.schedules import ReportSchedule, ScheduleRun

_FIELDS = (
    "team_id",
    "created_by",
    "kind",
    "format",
    "weekday",
    "hour",
    "timezone",
    "created_at",
    "updated_at",
    "version",
)


def _values(schedule: ReportSchedule) -> dict[str, object]:
    values: dict[str, object] = {n: getattr(schedule, n) for n in _FIELDS}
    ids = schedule.recipient_ids
    return values | {"id": schedule.id, "recipient_ids": None if ids is None else list(ids)}


def _schedule(row: sa.Row[object]) -> ReportSchedule:
    data = row._mapping
    ids = data["recipient_ids"]
    return ReportSchedule(
        id=data["id"],
        recipient_ids=None if ids is None else tuple(ids),
        **{n: data[n] for n in _FIELDS},
    )


class SqlAlchemyScheduleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, schedule: ReportSchedule) -> None:
        self._session.execute(report_schedules.insert().values(_values(schedule)))

    def get(self, schedule_id: uuid.UUID) -> ReportSchedule | None:
        row = self._session.execute(
            sa.select(report_schedules).where(report_schedules.c.id == schedule_id)
        ).first()
        return None if row is None else _schedule(row)

    def page(
        self, team_ids: frozenset[uuid.UUID] | None, after: uuid.UUID | None, limit: int
    ) -> list[ReportSchedule]:
        c = report_schedules.c
        query = sa.select(report_schedules).order_by(c.id).limit(limit)
        if team_ids is not None:
            query = query.where(c.team_id.in_(sorted(team_ids)))
        if after is not None:
            query = query.where(c.id > after)
        return [_schedule(row) for row in self._session.execute(query)]

    def save(self, schedule: ReportSchedule, expected_version: int) -> bool:
        c = report_schedules.c
        values = _values(schedule)
        del values["id"]
        result = self._session.execute(
            report_schedules.update()
            .where(c.id == schedule.id, c.version == expected_version)
            .values(values)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete(self, schedule_id: uuid.UUID, expected_version: int | None) -> bool:
        c = report_schedules.c
        statement = report_schedules.delete().where(c.id == schedule_id)
        if expected_version is not None:
            statement = statement.where(c.version == expected_version)
        return bool(self._session.execute(statement).rowcount)  # type: ignore[attr-defined]

    def everything(self) -> list[ReportSchedule]:
        rows = self._session.execute(sa.select(report_schedules).order_by(report_schedules.c.id))
        return [_schedule(row) for row in rows]

    def claim_run(self, run: ScheduleRun) -> bool:
        inserted = self._session.execute(
            postgresql.insert(report_schedule_runs)
            .values(
                schedule_id=run.schedule_id,
                period=run.period,
                report_id=run.report_id,
                created_at=run.created_at,
            )
            .on_conflict_do_nothing()
            .returning(report_schedule_runs.c.schedule_id)
        ).first()
        return inserted is not None

    def next_unsent(self, since: datetime, skip: Sequence[ScheduleRun]) -> ScheduleRun | None:
        c = report_schedule_runs.c
        query = (
            sa.select(c.schedule_id, c.period, c.report_id, c.created_at)
            .where(c.sent_at.is_(None), c.created_at >= since)
            .order_by(c.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if skip:
            query = query.where(
                sa.tuple_(c.schedule_id, c.period).not_in([(r.schedule_id, r.period) for r in skip])
            )
        row = self._session.execute(query).first()
        return None if row is None else ScheduleRun(*row)

    def mark_sent(self, run: ScheduleRun, at: datetime, outcome: str, recipients: int) -> None:
        c = report_schedule_runs.c
        self._session.execute(
            report_schedule_runs.update()
            .where(c.schedule_id == run.schedule_id, c.period == run.period)
            .values(sent_at=at, outcome=outcome, recipients=recipients)
        )
