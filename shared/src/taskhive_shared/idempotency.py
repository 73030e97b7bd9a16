"""Idempotency-Key records (DESIGN §4): the first response to a key, replayed to retries.

Technical plumbing shared by every service that accepts the header on its creates: the record
types, the store port, the table shape and its PostgreSQL implementation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """The answer given to the first request bearing an Idempotency-Key."""

    status: int
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    request_hash: str
    response: RecordedResponse | None


class IdempotencyStore(Protocol):
    def claim(
        self,
        principal: uuid.UUID,
        key: str,
        request_hash: str,
        at: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyRecord | None:
        """Reserve the key for this request and return None, or return the earlier
        request that holds it. A record older than `expired_before` is reclaimed. A
        concurrent claim of the same key waits for the first transaction to end."""

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None: ...


def idempotency_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "idempotency_keys",
        metadata,
        sa.Column("principal", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", postgresql.JSONB(none_as_null=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


class SqlAlchemyIdempotencyStore:
    def __init__(self, session: Session, table: sa.Table) -> None:
        self._session = session
        self._table = table

    def claim(
        self,
        principal: uuid.UUID,
        key: str,
        request_hash: str,
        at: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyRecord | None:
        insert = postgresql.insert(self._table).values(
            principal=principal, key=key, request_hash=request_hash, created_at=at
        )
        # The unique key makes a concurrent claim wait for our commit or rollback; an expired
        # record is taken over in the same statement.
        claimed = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[self._table.c.principal, self._table.c.key],
                set_={
                    "request_hash": insert.excluded.request_hash,
                    "response_status": sa.null(),
                    "response_body": sa.null(),
                    "created_at": insert.excluded.created_at,
                },
                where=self._table.c.created_at < expired_before,
            ).returning(self._table.c.key)
        ).first()
        if claimed is not None:
            return None
        row = self._session.execute(
            sa.select(self._table).where(
                self._table.c.principal == principal, self._table.c.key == key
            )
        ).one()
        response = None
        if row.response_status is not None and row.response_body is not None:
            response = RecordedResponse(status=row.response_status, body=row.response_body)
        return IdempotencyRecord(request_hash=row.request_hash, response=response)

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None:
        self._session.execute(
            self._table.update()
            .where(self._table.c.principal == principal, self._table.c.key == key)
            .values(response_status=response.status, response_body=response.body)
        )
