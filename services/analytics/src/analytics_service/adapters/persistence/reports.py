"""Reports in PostgreSQL (`analytics.reports`)."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from analytics_service.adapters.persistence.tables import reports
from analytics_service.domain.reports import RETENTION, Report

_FIELDS = (
    "owner_id",
    "kind",
    "format",
    "params",
    "created_at",
    "status",
    "progress",
    "rows",
    "total",
    "file_key",
    "error",
    "finished_at",
)


def _values(report: Report) -> dict[str, object]:
    return {"id": report.id, **{name: getattr(report, name) for name in _FIELDS}}


class SqlAlchemyReportRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, report: Report) -> None:
        self._session.execute(reports.insert().values(_values(report)))

    def save(self, report: Report) -> None:
        insert = postgresql.insert(reports).values(_values(report))
        self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[reports.c.id], set_={n: insert.excluded[n] for n in _FIELDS}
            )
        )

    def get(self, report_id: uuid.UUID) -> Report | None:
        row = self._session.execute(sa.select(reports).where(reports.c.id == report_id)).first()
        return None if row is None else _report(row)

    def expired(self, now: datetime, limit: int) -> list[Report]:
        rows = self._session.execute(
            sa.select(reports)
            .where(reports.c.created_at < now - RETENTION)
            .order_by(reports.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_report(row) for row in rows]

    def delete(self, report_id: uuid.UUID) -> None:
        self._session.execute(reports.delete().where(reports.c.id == report_id))


def _report(row: sa.Row[object]) -> Report:
    data = row._mapping
    return Report(id=data["id"], **{name: data[name] for name in _FIELDS})
