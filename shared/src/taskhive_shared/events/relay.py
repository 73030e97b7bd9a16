"""The outbox relay: publishes committed outbox rows, in order, and marks them sent.

One relay per service is active at a time (a PostgreSQL advisory lock elects it; other
replicas wait as hot standbys), so events leave in commit order and per-aggregate order holds.
It wakes on LISTEN/NOTIFY (the outbox writer notifies at commit) and polls as a fallback,
and survives broker and database outages by reconnecting with back-off. A row is marked
published only after the broker confirmed it: nothing is lost, a crash can only repeat.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy import Engine

from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.events.outbox import NOTIFY_CHANNEL_SUFFIX
from taskhive_shared.events.publisher import BatchEventPublisher, EventPublisher, PublishError
from taskhive_shared.observability.metrics import relay_metrics
from taskhive_shared.observability.probe import Progress
from taskhive_shared.observability.tracing import (
    context_of,
    current_traceparent,
    tracer,
    valid_traceparent,
)

logger = logging.getLogger(__name__)


def relay_lock_key(schema: str) -> int:
    """The advisory lock the active relay of `schema` holds (operators can look it up)."""
    return zlib.crc32(f"taskhive-relay:{schema}".encode())


def relay_is_active(connection: psycopg.Connection[Any], schema: str) -> bool:
    """True when some session holds the relay lock of `schema` in this database."""
    row = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND classid = 0 AND objid = %s AND objsubid = 1",
        (relay_lock_key(schema),),
    ).fetchone()
    return bool(row and row[0])


BACKLOG_INTERVAL_SECONDS = 5.0
"""How often the active relay measures its backlog (a count over the unpublished index)."""


def envelope_of(row: Any, traceparent: str | None = None) -> EventEnvelope:
    return EventEnvelope(
        type=row.type,
        source=row.source,
        subject=row.subject,
        data=row.data,
        id=row.id,
        time=row.time,
        correlationid=row.correlation_id,
        causationid=row.causation_id,
        traceparent=traceparent,
    )


class Backoff:
    def __init__(self, initial: float = 0.5, maximum: float = 30.0) -> None:
        self._initial = initial
        self._maximum = maximum
        self._current = initial

    def next(self) -> float:
        delay = self._current
        self._current = min(self._current * 2, self._maximum)
        return delay

    def reset(self) -> None:
        self._current = self._initial


class OutboxRelay:
    def __init__(
        self,
        engine: Engine,
        table: sa.Table,
        publisher: EventPublisher,
        exchange: str,
        *,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self._engine = engine
        self._table = table
        self._publisher = publisher
        self._exchange = exchange
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._retention = retention
        self._channel = f"{table.schema}{NOTIFY_CHANNEL_SUFFIX}"
        self._lock_key = relay_lock_key(str(table.schema))
        self._last_prune = datetime.min.replace(tzinfo=UTC)
        self._service = str(table.schema)
        self._metrics = relay_metrics()
        self._next_backlog = 0.0
        self.progress = Progress()
        """Connected and going round (its probe's readiness; a standby goes round too)."""

    def relay_batch(self) -> int:
        """Publish the oldest unpublished rows (one transaction); returns how many were sent.

        The rows go to the broker as one batch with one wait for its confirms (ADR 0032). If
        the batch fails part way, the rows confirmed before the failure are still marked (and
        committed) before the error propagates: they must not be published again; the rest
        stay unpublished and go again with the next batch."""
        table = self._table
        failure: Exception | None = None
        with self._engine.connect() as connection, connection.begin():
            rows = connection.execute(
                sa.select(table)
                .where(table.c.published_at.is_(None))
                .order_by(table.c.seq)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            ).all()
            confirmed, failure = self._publish(rows)
            if failure is not None:
                self._metrics.failures.labels(self._service).inc()
            sent = [row.seq for row in rows[:confirmed]]
            if sent:
                connection.execute(
                    table.update().where(table.c.seq.in_(sent)).values(published_at=sa.func.now())
                )
        if failure is not None:
            raise failure
        self._metrics.published.labels(self._service).inc(len(sent))
        return len(sent)

    def _publish(self, rows: Sequence[Any]) -> tuple[int, Exception | None]:
        """Publish `rows` in order; returns how many of them, from the first, the broker
        confirmed, and the failure that stopped the rest (None when all went).

        Each row has its PRODUCER span, continuing the trace of the request that wrote the row
        and lasting until the broker confirmed it (or the batch failed); the envelope carries
        this span on to the consumer."""
        spans = [self._producer_span(row) for row in rows]
        envelopes = []
        for row, span in zip(rows, spans, strict=True):
            with trace.use_span(span, end_on_exit=False):
                envelopes.append(envelope_of(row, current_traceparent()))
        confirmed, failure = self._send(envelopes, spans)
        for index, span in enumerate(spans):
            if index >= confirmed and failure is not None:
                span.record_exception(failure)
                span.set_status(trace.StatusCode.ERROR, "not confirmed by the broker")
            span.end()
        return confirmed, failure

    def _producer_span(self, row: Any) -> trace.Span:
        return tracer().start_span(
            f"publish {row.type}",
            context=context_of(valid_traceparent(getattr(row, "traceparent", None))),
            kind=trace.SpanKind.PRODUCER,
            attributes={"messaging.destination.name": self._exchange, "event.type": row.type},
        )

    def _send(
        self, envelopes: Sequence[EventEnvelope], spans: Sequence[trace.Span]
    ) -> tuple[int, Exception | None]:
        publisher = self._publisher
        if not envelopes:
            return 0, None
        if isinstance(publisher, BatchEventPublisher):
            try:
                return publisher.publish_batch(self._exchange, envelopes), None
            except PublishError as exc:
                return exc.confirmed, exc
            except Exception as exc:  # an adapter's bug: nothing counts as confirmed
                return 0, exc
        for index, (envelope, span) in enumerate(zip(envelopes, spans, strict=True)):
            try:
                with trace.use_span(span, end_on_exit=False):
                    publisher.publish(self._exchange, envelope)
            except Exception as exc:  # returned; re-raised after the commit
                return index, exc
        return len(envelopes), None

    def observe_backlog(self) -> None:
        """Set the backlog gauges: unpublished rows, and the age of the oldest."""
        table = self._table
        with self._engine.connect() as connection:
            count, oldest = connection.execute(
                sa.select(
                    sa.func.count(),
                    sa.func.coalesce(
                        sa.func.extract("epoch", sa.func.now() - sa.func.min(table.c.time)), 0
                    ),
                ).where(table.c.published_at.is_(None))
            ).one()
        self._metrics.backlog.labels(self._service).set(count)
        self._metrics.oldest_age.labels(self._service).set(max(0.0, float(oldest)))

    def drain(self) -> int:
        """Relay until nothing is left; returns the number of events sent."""
        total = 0
        while True:
            sent = self.relay_batch()
            total += sent
            if sent < self._batch_size:
                return total

    def prune(self) -> int:
        """Delete rows published longer ago than the retention period."""
        cutoff = datetime.now(UTC) - self._retention
        with self._engine.begin() as connection:
            result = connection.execute(
                self._table.delete().where(self._table.c.published_at < cutoff)
            )
        return int(result.rowcount)

    def run(self, stop: threading.Event) -> None:
        """Relay until `stop` is set, reconnecting with back-off after any failure."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._serve(stop, backoff)
            except Exception:
                self.progress.lost()
                self._metrics.active.labels(self._service).set(0)
                delay = backoff.next()
                logger.exception("relay failed; retrying", extra={"retry_in_s": delay})
                self._publisher.close()
                stop.wait(delay)
        self._publisher.close()

    def _listen_url(self) -> str:
        url = self._engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _serve(self, stop: threading.Event, backoff: Backoff) -> None:
        with psycopg.connect(self._listen_url(), autocommit=True) as listener:
            while not stop.is_set():
                leader = listener.execute(
                    "SELECT pg_try_advisory_lock(%s)", (self._lock_key,)
                ).fetchone()
                if leader and leader[0]:
                    break
                self.progress.beat()
                stop.wait(self._poll_interval)  # another replica relays; stand by
            listener.execute(f'LISTEN "{self._channel}"')
            logger.info("relay active", extra={"exchange": self._exchange})
            self._metrics.active.labels(self._service).set(1)
            while not stop.is_set():
                self.drain()
                backoff.reset()
                self.progress.beat()
                self._maybe_observe_backlog()
                self._maybe_prune()
                self._wait_for_work(listener, stop)
            self._metrics.active.labels(self._service).set(0)

    def _wait_for_work(self, listener: psycopg.Connection[Any], stop: threading.Event) -> None:
        """Until the writer's NOTIFY or the poll interval (a NOTIFY sent while draining is
        not lost: the next drain sees its row), checking `stop` every half second."""
        deadline = time.monotonic() + self._poll_interval
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            for _ in listener.notifies(timeout=min(remaining, 0.5), stop_after=1):
                return

    def _maybe_observe_backlog(self) -> None:
        if time.monotonic() >= self._next_backlog:
            self._next_backlog = time.monotonic() + BACKLOG_INTERVAL_SECONDS
            self.observe_backlog()

    def _maybe_prune(self) -> None:
        now = datetime.now(UTC)
        if now - self._last_prune > timedelta(hours=1):
            self._last_prune = now
            pruned = self.prune()
            if pruned:
                logger.info("pruned published outbox rows", extra={"rows": pruned})
