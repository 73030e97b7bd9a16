"""The activity feed's reads on PostgreSQL (the visibility rule as SQL: replica.visible_to)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from hooks_service.adapters.persistence.replica import SqlAlchemyReplica, visible_to
from hooks_service.adapters.persistence.tables import events, team_members, users
from hooks_service.application.activity import ActivityFilter
from hooks_service.domain.visibility import Viewer


class SqlAlchemyActivityReader:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def viewer(self, user_id: uuid.UUID, token_role: str) -> Viewer:
        """From the replica; a user it has not seen yet gets the token's role and no team."""
        with self._engine.connect() as connection:
            row = connection.execute(
                sa.select(users.c.role, users.c.is_active).where(users.c.id == user_id)
            ).first()
            team_ids = connection.scalars(
                sa.select(team_members.c.team_id).where(team_members.c.user_id == user_id)
            ).all()
        if row is None:
            return Viewer(user_id, token_role, True, frozenset(team_ids))
        return Viewer(user_id, row.role, row.is_active, frozenset(team_ids))

    def page(
        self, viewer: Viewer, filters: ActivityFilter, limit: int, before_seq: int | None
    ) -> list[tuple[int, uuid.UUID, str, datetime, dict[str, Any]]]:
        if not viewer.is_active:
            return []
        query = (
            sa.select(events.c.seq, events.c.id, events.c.type, events.c.time, events.c.envelope)
            .where(visible_to(viewer))
            .order_by(events.c.seq.desc())
            .limit(limit)
        )
        if before_seq is not None:
            query = query.where(events.c.seq < before_seq)
        if filters.task_id is not None:
            query = query.where(events.c.task_id == filters.task_id)
        if filters.team_id is not None:
            query = query.where(events.c.team_id == filters.team_id)
        if filters.actor_id is not None:
            query = query.where(events.c.actor_id == filters.actor_id)
        if filters.type_prefix is not None:
            query = query.where(events.c.type.startswith(filters.type_prefix, autoescape=True))
        with self._engine.connect() as connection:
            return [
                (row.seq, row.id, row.type, row.time, dict(row.envelope.get("data") or {}))
                for row in connection.execute(query)
            ]

    def names(self, user_ids: list[str]) -> dict[str, str]:
        with Session(self._engine) as session:
            return SqlAlchemyReplica(session).names(user_ids)
