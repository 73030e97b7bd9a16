"""The read side: plain rows straight from the pool, no ORM, no session, no transaction.

Reads run on their own autocommit engine, so a page costs one round trip per statement
(no BEGIN, no ROLLBACK, no pre-ping); a connection found dead is replaced and the read
retried once, as reads may be. A statement the server cancelled (the API's statement timeout,
ADR 0029) is neither: its connection is sound, and a second try would double the wait.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

import psycopg
from sqlalchemy import Engine

from tasks_service.adapters.persistence.ranked_sql import (
    ESTIMATE,
    POSITION_COLUMNS,
    TextWalk,
    is_ranked,
    ranked_statement,
)
from tasks_service.adapters.persistence.task_sql import (
    ACTOR,
    GET_DOCUMENT,
    document_of,
    list_statement,
)
from tasks_service.application.ports import ActorRecord, TaskDocument, TaskListing


class PostgresTaskReader:
    def __init__(self, engine: Engine, text_walk: TextWalk | None = None) -> None:
        self._engine = engine
        self._text_walk = text_walk or TextWalk()

    def _fetch(self, sql: str, params: dict[str, Any], *, prepare: bool | None = None) -> list[Any]:
        for attempt in range(2):
            connection = self._engine.raw_connection()
            try:
                # psycopg's own cursor (the engine's driver): `prepare` is psycopg's.
                cursor = cast("psycopg.Cursor[Any]", connection.cursor())
                try:
                    cursor.execute(sql, params, prepare=prepare)
                    return list(cursor.fetchall())
                finally:
                    cursor.close()
            except psycopg.errors.QueryCanceled:
                raise  # a subclass of OperationalError, but the connection is fine
            except psycopg.OperationalError:
                connection.invalidate()
                if attempt:
                    raise
            finally:
                connection.close()
        raise AssertionError("unreachable")

    def actor(self, user_id: uuid.UUID) -> ActorRecord:
        role, is_active, team_ids = self._fetch(ACTOR, {"id": user_id})[0]
        return ActorRecord(
            role=role, is_active=True if is_active is None else is_active, team_ids=tuple(team_ids)
        )

    def get(self, task_id: uuid.UUID) -> TaskDocument | None:
        rows = self._fetch(GET_DOCUMENT, {"id": task_id})
        return document_of(rows[0]) if rows else None

    def list(self, listing: TaskListing) -> list[TaskDocument]:
        if is_ranked(listing):
            # Never a prepared statement: a generic plan cannot know how common the word is,
            # and reading a common word through the GIN index costs every match (ADR 0027).
            # How the matches are found is decided from the planner's estimate (ADR 0031).
            text = listing.filter.text
            walk = None
            if text is not None:
                estimate = self._fetch(ESTIMATE, {"q": text}, prepare=False)[0][0]
                walk = self._text_walk.bound if self._text_walk.walks(estimate) else None
            sql, params = ranked_statement(listing, walk)
            rows = self._fetch(sql, params, prepare=False)
            return [document_of(row, POSITION_COLUMNS) for row in rows]
        sql, params = list_statement(listing)
        return [document_of(row, len(listing.sort)) for row in self._fetch(sql, params)]
