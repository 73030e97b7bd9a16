"""The time roll-ups of tasks (ADR 0022): the newest version wins, and the task's
`actual_hours` follows (a new version of the task: cached copies and If-Match see it)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import tasks, time_rollups

CENT = Decimal("0.01")


class SqlAlchemyTimeRollups:
    def __init__(self, session: Session) -> None:
        self._session = session

    def apply(
        self, task_id: uuid.UUID, logged_minutes: int, rollup_version: int, at: datetime
    ) -> bool:
        values = {
            "logged_minutes": logged_minutes,
            "rollup_version": rollup_version,
            "updated_at": at,
        }
        statement = postgresql.insert(time_rollups).values(task_id=task_id, **values)
        stored = self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[time_rollups.c.task_id],
                set_=values,
                where=time_rollups.c.rollup_version < statement.excluded.rollup_version,
            ).returning(time_rollups.c.task_id)
        ).first()
        if stored is None:
            return False
        hours = (Decimal(logged_minutes) / 60).quantize(CENT)
        self._session.execute(
            tasks.update()
            .where(tasks.c.id == task_id, tasks.c.actual_hours.is_distinct_from(hours))
            .values(actual_hours=hours, version=tasks.c.version + 1, updated_at=at)
        )
        return True

    def tracked(self, task_id: uuid.UUID) -> bool:
        found = self._session.execute(
            sa.select(time_rollups.c.task_id).where(time_rollups.c.task_id == task_id)
        ).first()
        return found is not None
