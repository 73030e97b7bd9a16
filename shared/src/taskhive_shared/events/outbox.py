"""The transactional outbox: events are rows written in the business transaction.

Only the relay (next to each service) reads these rows and publishes them (DESIGN §1 rule 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.logging import request_id_var
from taskhive_shared.observability.tracing import current_traceparent, tracer

NOTIFY_CHANNEL_SUFFIX = "_outbox"


class EventOutbox(Protocol):
    """The port use cases write events through (OutboxWriter implements it)."""

    def add_event(
        self,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        causation_id: str | None = None,
    ) -> Any: ...


def _outbox_columns_v1() -> list[sa.Column[object]]:
    return [
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.Text),
        sa.Column("causation_id", sa.Text),
        sa.Column("data", postgresql.JSONB, nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True)),
    ]


def _outbox_columns_v2() -> list[sa.Column[object]]:
    """v1 and the W3C traceparent of the span that wrote the row (ADR 0025)."""
    return [sa.Column("traceparent", sa.Text)]


def outbox_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "outbox",
        metadata,
        *_outbox_columns_v1(),
        *_outbox_columns_v2(),
        sa.Index("ix_outbox_unpublished", "seq", postgresql_where=sa.text("published_at IS NULL")),
        schema=schema,
    )


def create_outbox_table_v1(schema: str) -> None:
    """For a service's Alembic migration: the outbox at its first version, frozen here."""
    from alembic import op

    op.create_table("outbox", *_outbox_columns_v1(), schema=schema)
    op.create_index(
        "ix_outbox_unpublished",
        "outbox",
        ["seq"],
        schema=schema,
        postgresql_where=sa.text("published_at IS NULL"),
    )


def add_outbox_traceparent(schema: str) -> None:
    """For a service's Alembic migration: the outbox's second version (every service whose
    first migration called `create_outbox_table_v1` needs one migration calling this; the
    skeleton test checks it)."""
    from alembic import op

    for column in _outbox_columns_v2():
        op.add_column("outbox", column, schema=schema)


def drop_outbox_traceparent(schema: str) -> None:
    from alembic import op

    for column in _outbox_columns_v2():
        op.drop_column("outbox", column.name, schema=schema)


class OutboxWriter:
    """`add_event` validates the payload against its contract and inserts the outbox row
    on the unit of work's session, so it commits or rolls back with the state change."""

    def __init__(
        self,
        table: sa.Table,
        source: str,
        contracts: ContractRegistry,
        session: Session | None = None,
    ) -> None:
        self._table = table
        self._source = source
        self._contracts = contracts
        self._session = session
        self._notify = f"{table.schema}{NOTIFY_CHANNEL_SUFFIX}"

    def bound_to(self, session: Session) -> OutboxWriter:
        return OutboxWriter(self._table, self._source, self._contracts, session)

    def add_event(
        self,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        causation_id: str | None = None,
    ) -> EventEnvelope:
        if self._session is None:
            raise RuntimeError("OutboxWriter is not bound to a unit of work")
        self._contracts.validate(event_type, data)
        # The row carries the trace on: the relay's publish span continues from this one.
        with tracer().start_as_current_span(f"outbox {event_type}"):
            traceparent = current_traceparent()
        envelope = EventEnvelope(
            type=event_type,
            source=self._source,
            subject=subject,
            data=data,
            correlationid=request_id_var.get(),
            causationid=causation_id,
            traceparent=traceparent,
        )
        self._session.execute(
            self._table.insert().values(
                id=envelope.id,
                type=envelope.type,
                source=envelope.source,
                subject=envelope.subject,
                time=envelope.time,
                correlation_id=envelope.correlationid,
                causation_id=envelope.causationid,
                data=envelope.data,
                traceparent=envelope.traceparent,
            )
        )
        self._wake_relay(self._session)
        return envelope

    def add_events(self, events: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Many `(event_type, subject, data)` in one statement, in this order (a batch job's
        events): each validated and traced as `add_event` does, one wake-up for them all."""
        if self._session is None:
            raise RuntimeError("OutboxWriter is not bound to a unit of work")
        if not events:
            return
        rows = []
        for event_type, subject, data in events:
            self._contracts.validate(event_type, data)
            with tracer().start_as_current_span(f"outbox {event_type}"):
                traceparent = current_traceparent()
            envelope = EventEnvelope(
                type=event_type,
                source=self._source,
                subject=subject,
                data=data,
                correlationid=request_id_var.get(),
                traceparent=traceparent,
            )
            rows.append(
                {
                    "id": envelope.id,
                    "type": envelope.type,
                    "source": envelope.source,
                    "subject": envelope.subject,
                    "time": envelope.time,
                    "correlation_id": envelope.correlationid,
                    "causation_id": None,
                    "data": envelope.data,
                    "traceparent": envelope.traceparent,
                }
            )
        # One executemany (pipelined by psycopg): the identity `seq` follows the list's order.
        self._session.execute(self._table.insert(), rows)
        self._wake_relay(self._session)

    def _wake_relay(self, session: Session) -> None:
        # Wakes the relay at commit (NOTIFY is transactional); it polls as a fallback.
        session.execute(sa.select(sa.func.pg_notify(self._notify, "")))
