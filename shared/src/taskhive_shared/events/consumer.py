"""Transport-independent handling of one received message (RabbitMQ or in-memory).

Validate the envelope and its data against the contract, then apply the handler and record
`(consumer, event_id)` in the inbox in one transaction. The outcome tells the transport what
to do: ack, retry later, or dead-letter. An invalid message is never retried.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from types import TracebackType
from typing import Any, Protocol

import sqlalchemy as sa
from opentelemetry import trace
from sqlalchemy.orm import Session

from taskhive_shared.db.unit_of_work import TransactionBatch
from taskhive_shared.events.contracts import ContractRegistry, ContractViolation
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.events.inbox import record_once
from taskhive_shared.logging import request_id_var
from taskhive_shared.observability.metrics import consumer_metrics
from taskhive_shared.observability.tracing import context_of, tracer

logger = logging.getLogger(__name__)


class ConsumerUnitOfWork(Protocol):
    session: Session

    def __enter__(self) -> Any: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


EventHandler = Callable[[EventEnvelope, Any], None]
"""Applies one event with an open unit of work; must not commit (the processor does)."""


class Outcome(Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True, slots=True)
class ProcessResult:
    outcome: Outcome
    reason: str = ""
    event_type: str = ""


class EventProcessor:
    def __init__(
        self,
        consumer: str,
        handlers: Mapping[str, EventHandler],
        contracts: ContractRegistry,
        unit_of_work: Callable[[], ConsumerUnitOfWork],
        inbox: sa.Table,
    ) -> None:
        self.consumer = consumer
        self.handlers = dict(handlers)
        self._contracts = contracts
        self._unit_of_work = unit_of_work
        self._inbox = inbox

    @property
    def event_types(self) -> list[str]:
        return sorted(self.handlers)

    def prune_inbox(self, retention: timedelta) -> int:
        """Forget applied events older than `retention`; returns how many rows went."""
        cutoff = datetime.now(UTC) - retention
        with self._unit_of_work() as uow:
            result = uow.session.execute(
                self._inbox.delete().where(
                    self._inbox.c.consumer == self.consumer, self._inbox.c.received_at < cutoff
                )
            )
            uow.commit()
        return int(result.rowcount)

    def process_batch(self, bodies: Sequence[bytes]) -> list[ProcessResult]:
        """Handle several messages in one database transaction, in order: each is a savepoint
        (a failing one rolls back alone and is retried), one COMMIT for all (ADR 0030). If
        that commit fails, every message it would have applied is retried."""
        if len(bodies) == 1:
            return [self.process(bodies[0])]
        with TransactionBatch() as batch:
            results = [self.process(body) for body in bodies]
            try:
                batch.commit()
            except Exception as exc:  # nothing of the batch was written: retry what it applied
                logger.exception("event batch commit failed", extra={"messages": len(bodies)})
                reason = f"batch commit: {type(exc).__name__}: {exc}"
                return [
                    ProcessResult(Outcome.RETRY, reason, result.event_type)
                    if result.outcome is Outcome.APPLIED
                    else result
                    for result in results
                ]
        return results

    def process(self, body: bytes) -> ProcessResult:
        """Handle one message, counted by type and outcome (its metrics)."""
        started = time.perf_counter()
        result = self._process(body)
        metrics = consumer_metrics()
        # Only handled types become label values: a type nobody handles came from outside
        # the bindings, and its name must not grow the metric's label set.
        event_type = result.event_type if result.event_type in self.handlers else "<unhandled>"
        metrics.handled.labels(self.consumer, event_type, result.outcome.value).inc()
        metrics.duration.labels(self.consumer, event_type).observe(time.perf_counter() - started)
        return result

    def _process(self, body: bytes) -> ProcessResult:
        try:
            raw = json.loads(body)
            if not isinstance(raw, dict):
                raise TypeError("the envelope must be a JSON object")
            envelope = EventEnvelope.from_dict(raw)
        except (ValueError, KeyError, TypeError) as exc:
            return ProcessResult(Outcome.DEAD_LETTER, f"malformed envelope: {exc}")
        handler = self.handlers.get(envelope.type)
        if handler is None:
            return ProcessResult(Outcome.DEAD_LETTER, "no handler for this type", envelope.type)
        try:
            self._contracts.validate(envelope.type, envelope.data)
        except ContractViolation as exc:
            return ProcessResult(Outcome.DEAD_LETTER, str(exc), envelope.type)
        token = request_id_var.set(envelope.correlationid)
        # The producer's trace goes on here, and into the jobs the handler enqueues.
        span = tracer().start_as_current_span(
            f"consume {envelope.type}",
            context=context_of(envelope.traceparent),
            kind=trace.SpanKind.CONSUMER,
            attributes={"consumer": self.consumer, "event.type": envelope.type},
        )
        try:
            with span, self._unit_of_work() as uow:
                if not record_once(
                    uow.session, self._inbox, self.consumer, envelope.id, envelope.type
                ):
                    return ProcessResult(Outcome.DUPLICATE, event_type=envelope.type)
                handler(envelope, uow)
                uow.commit()
        except Exception as exc:  # any failure of the effect is retried, then dead-lettered
            logger.exception(
                "event handler failed",
                extra={"event_type": envelope.type, "event_id": str(envelope.id)},
            )
            return ProcessResult(Outcome.RETRY, f"{type(exc).__name__}: {exc}", envelope.type)
        finally:
            request_id_var.reset(token)
        return ProcessResult(Outcome.APPLIED, event_type=envelope.type)
