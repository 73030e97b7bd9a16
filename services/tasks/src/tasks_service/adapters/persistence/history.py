"""The task history (audit trail): appended in each use case's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
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
        self.append_many([entry])

    def append_many(self, entries: Sequence[HistoryEntry]) -> None:
        if not entries:
            return
        self._session.execute(
            task_history.insert(),
            [
                {
                    "id": entry.id,
                    "task_id": entry.task_id,
                    "action": entry.action,
                    "actor_id": entry.actor_id,
                    "at": entry.at,
                    "changes": entry.changes,
                }
                for entry in entries
            ],
        )

    def status_moves(
        self, task_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[datetime, str, str]]]:
        rows = self._session.execute(
            sa.select(task_history.c.task_id, task_history.c.at, task_history.c.changes)
            .where(
                task_history.c.task_id.in_(task_ids),
                task_history.c.action == "status_changed",
            )
            .order_by(task_history.c.at, task_history.c.id)
        )
        moves: dict[uuid.UUID, list[tuple[datetime, str, str]]] = {}
        for row in rows:
            status = row.changes["status"]
            moves.setdefault(row.task_id, []).append((utc(row.at), status["old"], status["new"]))
        return moves

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
