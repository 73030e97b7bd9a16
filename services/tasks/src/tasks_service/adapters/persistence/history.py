"""The task history (audit trail): appended in each use case's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import task_history
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.application.ports import HistoryEntry


class SqlAlchemyHistoryLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def append(self, entry: HistoryEntry) -> None:
        self._session.execute(
            task_history.insert().values(
                id=entry.id,
                task_id=entry.task_id,
                action=entry.action,
                actor_id=entry.actor_id,
                at=entry.at,
                changes=entry.changes,
            )
        )

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[HistoryEntry]:
        query = sa.select(task_history).where(task_history.c.task_id == task_id)
        if after is not None:
            query = query.where(sa.tuple_(task_history.c.at, task_history.c.id) < sa.tuple_(*after))
        rows = self._session.execute(
            query.order_by(task_history.c.at.desc(), task_history.c.id.desc()).limit(limit)
        )
        return [
            HistoryEntry(row.id, row.task_id, row.action, row.actor_id, utc(row.at), row.changes)
            for row in rows
        ]
