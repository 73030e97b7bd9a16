"""Idempotency-Key records (DESIGN §4): the first response to a key, replayed to retries.

Technical plumbing shared by every service that accepts the header on its creates: the record
types, the store port, the table shape, its PostgreSQL implementation and the daily purge.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol, Self

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

    def purge(self, created_before: datetime, limit: int) -> int:
        """Delete up to `limit` records older than the cut-off (skipping locked ones)."""
        ...


class IdempotencyKeyReusedError(ValueError):
    """The same key came with a different request (the caller answers 422)."""


def request_fingerprint(route: str, body: Mapping[str, Any]) -> str:
    """What makes two requests "the same": the route and the body as sent."""
    text = json.dumps({"route": route, "body": body}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def earlier_response(
    store: IdempotencyStore,
    principal: uuid.UUID,
    key: str | None,
    request_hash: str,
    now: datetime,
    ttl: timedelta,
) -> RecordedResponse | None:
    """None: go ahead (the key, if any, is now claimed in this transaction, to be completed
    with the response before commit); else the response to replay. The same key with
    another request raises IdempotencyKeyReusedError."""
    if key is None:
        return None
    earlier = store.claim(principal, key, request_hash, now, expired_before=now - ttl)
    if earlier is None:
        return None
    if earlier.request_hash != request_hash:
        raise IdempotencyKeyReusedError("This Idempotency-Key was used with a different request.")
    if earlier.response is None:
        raise RuntimeError("a committed idempotency claim has no response")
    return earlier.response


class IdempotencyUnitOfWork(Protocol):
    @property
    def idempotency(self) -> IdempotencyStore: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class PurgeExpiredIdempotencyKeys:
    """The daily job: delete records past their replay window, one transaction per batch.

    An expired record is already ignored (a new request with its key reclaims it), so
    deleting it changes no answer; the purge only keeps the table small.
    """

    uow: Callable[[], IdempotencyUnitOfWork]
    now: Callable[[], datetime]
    ttl: timedelta
    batch_size: int = 1000

    def __call__(self) -> int:
        created_before = self.now() - self.ttl
        purged = 0
        while True:
            with self.uow() as uow:
                removed = uow.idempotency.purge(created_before, self.batch_size)
                uow.commit()
            purged += removed
            if removed < self.batch_size:
                return purged


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

    def purge(self, created_before: datetime, limit: int) -> int:
        # The created_at index finds the batch; a key being claimed right now is locked and
        # skipped (its claim takes it over anyway).
        table = self._table
        batch = (
            sa.select(table.c.principal, table.c.key)
            .where(table.c.created_at < created_before)
            .order_by(table.c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .subquery()
        )
        result = self._session.execute(
            table.delete().where(
                sa.tuple_(table.c.principal, table.c.key).in_(
                    sa.select(batch.c.principal, batch.c.key)
                )
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
