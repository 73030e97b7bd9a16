"""The transactional outbox: events are rows written in the business transaction.

Only the relay (next to each service) reads these rows and publishes them (DESIGN §1 rule 3).
"""

from __future__ import annotations

import json
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
    on the unit of work's session, so it commits or rolls back with the state change.

    Round trips are the write path's main cost (issue 19): the rows of one call go in one
    statement, and the relay's wake-up rides in that statement, once per transaction."""

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
        self._insert, self._insert_and_wake = _statements(table)
        self._woken_in: object | None = None
        """The (sub)transaction whose NOTIFY is already queued: later rows need none."""

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
        envelope = self._envelope(event_type, subject, data, causation_id)
        self._write([envelope])
        return envelope

    def add_events(self, events: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Many `(event_type, subject, data)` in one statement, in this order (a batch job's
        events): each validated and traced as `add_event` does, one wake-up for them all."""
        if not events:
            return
        self._write([self._envelope(*event) for event in events])

    def _envelope(
        self, event_type: str, subject: str, data: dict[str, Any], causation_id: str | None = None
    ) -> EventEnvelope:
        if self._session is None:
            raise RuntimeError("OutboxWriter is not bound to a unit of work")
        # The compiled validator is cached per event type (contracts._validator).
        self._contracts.validate(event_type, data)
        # The row carries the trace on: the relay's publish span continues from this one.
        with tracer().start_as_current_span(f"outbox {event_type}"):
            traceparent = current_traceparent()
        return EventEnvelope(
            type=event_type,
            source=self._source,
            subject=subject,
            data=data,
            correlationid=request_id_var.get(),
            causationid=causation_id,
            traceparent=traceparent,
        )

    def _write(self, envelopes: Sequence[EventEnvelope]) -> None:
        """One statement for all the rows (arrays unnested in their order, so the identity
        `seq` follows it), with the relay's NOTIFY when this transaction has none queued yet.
        NOTIFY is transactional: the relay wakes at commit, and polls as a fallback."""
        session = self._session
        if session is None:
            raise RuntimeError("OutboxWriter is not bound to a unit of work")
        params = {
            "ids": [envelope.id for envelope in envelopes],
            "types": [envelope.type for envelope in envelopes],
            "sources": [envelope.source for envelope in envelopes],
            "subjects": [envelope.subject for envelope in envelopes],
            "times": [envelope.time for envelope in envelopes],
            "correlations": [envelope.correlationid for envelope in envelopes],
            "causations": [envelope.causationid for envelope in envelopes],
            "data": [json.dumps(envelope.data) for envelope in envelopes],
            "traceparents": [envelope.traceparent for envelope in envelopes],
        }
        # A savepoint rolled back takes its NOTIFY with it: the wake-up is per (sub)transaction.
        transaction = session.get_nested_transaction() or session.get_transaction()
        if transaction is not None and transaction is self._woken_in:
            session.execute(self._insert, params)
            return
        session.execute(self._insert_and_wake, params | {"channel": self._notify})
        self._woken_in = session.get_nested_transaction() or session.get_transaction()


def _statements(table: sa.Table) -> tuple[sa.TextClause, sa.TextClause]:
    """The outbox insert, alone and with the relay's wake-up (a data-modifying CTE always
    runs to completion, whether or not the outer SELECT reads it). The table's name is the
    service's own constant, never input; every value is bound."""
    insert = f"""INSERT INTO {table.schema}.{table.name}
    (id, type, source, subject, time, correlation_id, causation_id, data, traceparent)
SELECT id, type, source, subject, time, correlation_id, causation_id, CAST(data AS jsonb),
    traceparent
FROM unnest(CAST(:ids AS uuid[]), CAST(:types AS text[]), CAST(:sources AS text[]),
    CAST(:subjects AS text[]), CAST(:times AS timestamptz[]), CAST(:correlations AS text[]),
    CAST(:causations AS text[]), CAST(:data AS text[]), CAST(:traceparents AS text[]))
    WITH ORDINALITY AS r(id, type, source, subject, time, correlation_id, causation_id, data,
    traceparent, n)
ORDER BY n"""  # noqa: S608
    woken = f"WITH written AS ({insert}) SELECT pg_notify(:channel, '')"
    return sa.text(insert), sa.text(woken)
