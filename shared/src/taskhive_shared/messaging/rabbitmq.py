"""RabbitMQ adapters (pika): the publisher of the relay, the consumer runner, the topology.

Per producer exchange X (`<svc>.events`, topic): its alternate exchange `X.unrouted` (fanout)
and the durable queue `X.unrouted` bound to it, which keeps every event no queue is bound for
(RabbitMQ would confirm and drop it; ADR 0011, ADR 0017).

Topology per consumer queue Q of service S (DESIGN §6):
- Q: durable quorum queue bound to the producers' topic exchanges by event type, and to S's
  direct exchange `S.retry` by its own name (where delayed retries come back);
  `x-delivery-limit` dead-letters a message that keeps crashing its consumer to `Q.dlq`.
- `Q.retry.<n>`: delay queues (message TTL) that dead-letter back into Q after the n-th delay.
- `Q.dlq`: where messages go after the last retry, or at once when invalid.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.spec import Basic, BasicProperties

from taskhive_shared.events.consumer import EventProcessor, Outcome, ProcessResult
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.events.publisher import PublishError
from taskhive_shared.events.relay import Backoff
from taskhive_shared.observability.probe import Progress

logger = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-taskhive-attempt"
ERROR_HEADER = "x-taskhive-error"
DEFAULT_RETRY_DELAYS_MS = (1_000, 5_000, 30_000)
# A duplicate arrives within minutes (redelivery, relay restart); a month is ample.
DEFAULT_INBOX_RETENTION = timedelta(days=30)
PRUNE_INTERVAL_SECONDS = 3600.0


def connect(url: str, *, heartbeat: int = 30) -> BlockingConnection:
    parameters = pika.URLParameters(url)
    parameters.heartbeat = heartbeat
    parameters.blocked_connection_timeout = 30
    parameters.connection_attempts = 1
    parameters.client_properties = {"connection_name": "taskhive"}
    return pika.BlockingConnection(parameters)


UNROUTED_MAX_LENGTH = 100_000
"""Events kept in a producer's unrouted queue; past it the oldest go (a forgotten binding on a
busy type must not fill the broker's disk and block every publisher)."""
UNROUTED_CHECK_SECONDS = 60.0


def unrouted_of(exchange: str) -> str:
    """The alternate exchange of a producer's exchange, and the queue bound to it."""
    return f"{exchange}.unrouted"


def exchange_arguments(exchange: str) -> dict[str, Any]:
    return {"alternate-exchange": unrouted_of(exchange)}


def declare_exchange(channel: BlockingChannel, exchange: str) -> None:
    """A producer's topic exchange, with its alternate exchange and the queue behind it."""
    unrouted = unrouted_of(exchange)
    channel.exchange_declare(unrouted, exchange_type="fanout", durable=True)
    channel.queue_declare(
        unrouted,
        durable=True,
        arguments={"x-queue-type": "quorum", "x-max-length": UNROUTED_MAX_LENGTH},
    )
    channel.queue_bind(unrouted, unrouted)
    channel.exchange_declare(
        exchange, exchange_type="topic", durable=True, arguments=exchange_arguments(exchange)
    )


def _body(envelope: EventEnvelope) -> bytes:
    return json.dumps(envelope.to_dict()).encode()


def _properties(envelope: EventEnvelope) -> BasicProperties:
    return BasicProperties(
        content_type="application/cloudevents+json",
        delivery_mode=pika.DeliveryMode.Persistent,
        message_id=str(envelope.id),
        correlation_id=envelope.correlationid,
        type=envelope.type,
        app_id=envelope.source,
        headers={
            "correlationid": envelope.correlationid,
            "causationid": envelope.causationid,
            "x-request-id": envelope.correlationid,
        },
    )


CONFIRM_TIMEOUT_SECONDS = 30.0
"""How long a publisher waits for the broker's confirms of one batch before it gives up (the
connection is then dropped and the unconfirmed messages published again)."""
CONFIRM_POLL_SECONDS = 0.001
"""The slice of pika's I/O loop a waiting publisher runs between looks at its confirms."""


class _Confirms:
    """The publisher confirms of one channel: RabbitMQ numbers its publishes from 1 and answers
    each with an ack or a nack, maybe out of order, several at once with `multiple`."""

    def __init__(self) -> None:
        self.selected = False
        self.sent = 0
        self._unanswered: set[int] = set()
        self._nacked: set[int] = set()

    def on_select_ok(self, _frame: Any) -> None:
        self.selected = True

    def add(self) -> None:
        self.sent += 1
        self._unanswered.add(self.sent)

    def on_confirm(self, frame: Any) -> None:
        method = frame.method
        tag = int(method.delivery_tag)
        if method.multiple:
            answered = {waiting for waiting in self._unanswered if waiting <= tag}
        else:
            answered = {tag} & self._unanswered
        self._unanswered -= answered
        if isinstance(method, Basic.Nack):
            self._nacked |= answered

    def settled(self) -> bool:
        return not self._unanswered

    @property
    def refused(self) -> bool:
        return bool(self._nacked)

    def confirmed_after(self, tag: int) -> int:
        """How many publishes after delivery tag `tag` the broker acked, in a row."""
        count = 0
        for later in range(tag + 1, self.sent + 1):
            if later in self._unanswered or later in self._nacked:
                break
            count += 1
        return count


class PikaPublisher:
    """Publishes with confirms on one lazily (re)opened connection; not thread-safe.

    A batch is sent whole and then waits once for the broker's confirms, by delivery tag
    (ADR 0032): pika's BlockingChannel only offers a wait per message, so the channel's
    confirm mode is turned on at pika's channel underneath it, with a callback counting the
    confirms, while the blocking connection keeps driving the I/O.

    At most every `unrouted_check_seconds` after a publish it looks at the depth of the
    exchange's unrouted queue, and logs `events unrouted` (warning) when it is not empty and
    changed since it last said so: the operator's signal of a missing binding."""

    def __init__(
        self,
        url: str,
        *,
        unrouted_check_seconds: float = UNROUTED_CHECK_SECONDS,
        confirm_timeout_seconds: float = CONFIRM_TIMEOUT_SECONDS,
    ) -> None:
        self._url = url
        self._connection: BlockingConnection | None = None
        self._channel: BlockingChannel | None = None
        self._confirms = _Confirms()
        self._declared: set[str] = set()
        self._unrouted_check_seconds = unrouted_check_seconds
        self._confirm_timeout_seconds = confirm_timeout_seconds
        self._next_unrouted_check = 0.0
        self._unrouted_reported: dict[str, int] = {}

    def _ready_channel(self) -> BlockingChannel:
        if self._channel is None or self._channel.is_closed:
            self.close()
            self._connection = connect(self._url)
            self._channel = self._connection.channel()
            self._confirms = _Confirms()
            # pika's own channel under the blocking one: its confirm mode with a callback,
            # which the blocking channel's `confirm_delivery()` would make a wait per message.
            self._channel._impl.confirm_delivery(
                ack_nack_callback=self._confirms.on_confirm,
                callback=self._confirms.on_select_ok,
            )
            self._wait(lambda: self._confirms.selected, "confirm.select-ok")
            self._declared.clear()
        return self._channel

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        """Drive the connection's I/O until `done()` (the callbacks run inside it)."""
        connection, channel = self._connection, self._channel
        assert connection is not None
        assert channel is not None
        deadline = time.monotonic() + self._confirm_timeout_seconds
        while not done():
            if channel.is_closed:
                raise pika.exceptions.ChannelClosed(0, f"channel closed waiting for {what}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} within {self._confirm_timeout_seconds} s")
            connection.process_data_events(time_limit=CONFIRM_POLL_SECONDS)

    def _ensure_exchange(self, exchange: str) -> BlockingChannel:
        """Provisioning declares producers' exchanges: use one as it is (a passive declare does
        not compare arguments); only a missing one is declared here, alternate exchange and all."""
        channel = self._ready_channel()
        if exchange in self._declared:
            return channel
        try:
            channel.exchange_declare(exchange, passive=True)
        except pika.exceptions.ChannelClosedByBroker as missing:
            if missing.reply_code != 404:
                raise
            channel = self._ready_channel()  # the refusal closed the channel
            declare_exchange(channel, exchange)
        self._declared.add(exchange)
        return channel

    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        self.publish_batch(exchange, [envelope])

    def publish_batch(self, exchange: str, envelopes: Sequence[EventEnvelope]) -> int:
        """Send every message, then wait once for the broker's confirms of all of them."""
        if not envelopes:
            return 0
        confirms = self._confirms
        before = confirms.sent
        try:
            channel = self._ensure_exchange(exchange)
            confirms = self._confirms  # a new channel counts from 1
            before = confirms.sent
            for envelope in envelopes:
                # Counted first: its confirm may arrive while pika is still sending it.
                confirms.add()
                channel.basic_publish(
                    exchange, envelope.type, _body(envelope), properties=_properties(envelope)
                )
            self._wait(confirms.settled, "publisher confirms")
            if confirms.refused:
                raise pika.exceptions.NackError([])
        except Exception as exc:
            confirmed = min(confirms.confirmed_after(before), len(envelopes))
            self.close()  # a new channel, its delivery tags from 1, for what goes again
            refused = envelopes[confirmed] if confirmed < len(envelopes) else envelopes[-1]
            raise PublishError(
                f"{refused.type} {refused.id} ({confirmed} of {len(envelopes)} confirmed): {exc!r}",
                confirmed=confirmed,
            ) from exc
        if time.monotonic() >= self._next_unrouted_check:
            self._next_unrouted_check = time.monotonic() + self._unrouted_check_seconds
            self._check_unrouted(exchange)
        return len(envelopes)

    def _check_unrouted(self, exchange: str) -> None:
        connection = self._connection
        if connection is None or not connection.is_open:
            return
        queue = unrouted_of(exchange)
        try:
            # A channel of its own: a missing queue (an exchange provisioned before there
            # were unrouted queues) closes it, and must not close the publishing one.
            channel = connection.channel()
            try:
                depth = int(channel.queue_declare(queue, passive=True).method.message_count)
            finally:
                if channel.is_open:
                    channel.close()
        except Exception:  # a diagnostic: it must never fail a publish
            logger.debug("unrouted queue depth unavailable", exc_info=True)
            return
        if depth and depth != self._unrouted_reported.get(queue):
            logger.warning(
                "events unrouted",
                extra={"exchange": exchange, "queue": queue, "messages": depth},
            )
        self._unrouted_reported[queue] = depth

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None and connection.is_open:
            try:
                connection.close()
            except Exception:  # closing a broken connection must not mask the original error
                logger.debug("ignoring error while closing a broken connection", exc_info=True)


@dataclass(frozen=True)
class ConsumerTopology:
    service: str
    queue: str
    bindings: Mapping[str, Sequence[str]]
    """Producer exchange → event types (routing keys) to receive."""
    retry_delays_ms: Sequence[int] = DEFAULT_RETRY_DELAYS_MS
    delivery_limit: int = 10
    declare_producer_exchanges: bool = True

    @property
    def retry_exchange(self) -> str:
        return f"{self.service}.retry"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.queue}.dlq"

    def delay_queue(self, attempt: int) -> str:
        return f"{self.queue}.retry.{attempt}"

    def declare(self, channel: BlockingChannel) -> None:
        channel.exchange_declare(self.retry_exchange, exchange_type="direct", durable=True)
        channel.queue_declare(
            self.queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": self.retry_exchange,
                "x-dead-letter-routing-key": self.dead_letter_queue,
            },
        )
        channel.queue_bind(self.queue, self.retry_exchange, routing_key=self.queue)
        for exchange, event_types in self.bindings.items():
            if self.declare_producer_exchanges:
                declare_exchange(channel, exchange)
            for event_type in event_types:
                channel.queue_bind(self.queue, exchange, routing_key=event_type)
        for attempt, delay in enumerate(self.retry_delays_ms, start=1):
            name = self.delay_queue(attempt)
            channel.queue_declare(
                name,
                durable=True,
                arguments={
                    "x-message-ttl": delay,
                    "x-dead-letter-exchange": self.retry_exchange,
                    "x-dead-letter-routing-key": self.queue,
                },
            )
            channel.queue_bind(name, self.retry_exchange, routing_key=name)
        channel.queue_declare(
            self.dead_letter_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        channel.queue_bind(
            self.dead_letter_queue, self.retry_exchange, routing_key=self.dead_letter_queue
        )


@dataclass(frozen=True, slots=True)
class _Delivery:
    channel: BlockingChannel
    method: Basic.Deliver
    properties: BasicProperties
    body: bytes


@dataclass
class PikaEventConsumer:
    """Consumes one queue. Handlers run on a worker thread, never in pika's callback, so
        heartbeats keep flowing during long handlers; acks go back through the connection's
        thread-safe callback. One worker keeps the queue's order; it applies what has queued up in
    one database transaction, a savepoint per message (ADR 0030), then acks each in order."""

    url: str
    topology: ConsumerTopology
    processor: EventProcessor
    prefetch: int = 20
    batch_size: int = 20
    """Deliveries applied in one database transaction at most (never more than `prefetch`)."""
    heartbeat: int = 30
    inbox_retention: timedelta = DEFAULT_INBOX_RETENTION
    progress: Progress = field(default_factory=Progress)
    """Connected and pumping the connection (its probe's readiness)."""
    _connection: BlockingConnection | None = field(default=None, init=False)
    _confirm_channel: BlockingChannel | None = field(default=None, init=False)
    _pending: deque[_Delivery] = field(default_factory=deque, init=False)
    """Delivered, not yet taken by the worker (appended by pika's thread, taken by the worker)."""

    def run(self, stop: threading.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._consume(stop, backoff)
            except Exception:
                self.progress.lost()
                delay = backoff.next()
                logger.exception(
                    "consumer connection failed; retrying", extra={"retry_in_s": delay}
                )
                stop.wait(delay)

    def _consume(self, stop: threading.Event, backoff: Backoff) -> None:
        connection = connect(self.url, heartbeat=self.heartbeat)
        self._connection = connection
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self.topology.queue)
        try:
            channel = connection.channel()
            self.topology.declare(channel)
            self._confirm_channel = connection.channel()
            self._confirm_channel.confirm_delivery()
            channel.basic_qos(prefetch_count=self.prefetch)
            tag = channel.basic_consume(self.topology.queue, partial(self._on_message, worker))
            logger.info("consuming", extra={"queue": self.topology.queue})
            backoff.reset()
            next_prune = time.monotonic()
            while not stop.is_set():
                connection.process_data_events(time_limit=0.5)
                self.progress.beat()
                if time.monotonic() >= next_prune:
                    # On the worker: the database is only ever used from that one thread.
                    worker.submit(self._prune_inbox)
                    next_prune = time.monotonic() + PRUNE_INTERVAL_SECONDS
            # Graceful stop: no new deliveries; pump I/O until the handler in flight is done and
            # its ack (queued through add_callback_threadsafe) has been sent.
            channel.basic_cancel(tag)
            last = worker.submit(lambda: None)  # one worker: done once all before it are
            while not last.done():
                connection.process_data_events(time_limit=0.1)
            connection.process_data_events(time_limit=0.1)
        finally:
            self.progress.lost()
            worker.shutdown(wait=True, cancel_futures=True)
            self._pending.clear()  # their channel is gone: RabbitMQ delivers them again
            if connection.is_open:
                connection.close()

    def _prune_inbox(self) -> None:
        try:
            pruned = self.processor.prune_inbox(self.inbox_retention)
        except Exception:  # pruning is housekeeping: it must never stop consumption
            logger.exception("inbox pruning failed")
            return
        if pruned:
            logger.info("pruned inbox rows", extra={"rows": pruned})

    def _on_message(
        self,
        worker: ThreadPoolExecutor,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
    ) -> None:
        self._pending.append(_Delivery(channel, method, properties, body))
        worker.submit(self._work)

    def _work(self) -> None:
        """Apply what has arrived, up to `batch_size` in one transaction (ADR 0030): one message
        alone when they come one at a time, a batch when they queue up under load."""
        batch: list[_Delivery] = []
        while self._pending and len(batch) < self.batch_size:
            batch.append(self._pending.popleft())
        if not batch:
            return  # an earlier run took this one's message
        results = self.processor.process_batch([delivery.body for delivery in batch])
        connection = self._connection
        # After a reconnect the old channel is gone: the unacked messages are redelivered.
        if connection is not None and connection.is_open:
            connection.add_callback_threadsafe(partial(self._settle_all, batch, results))

    def _settle_all(self, batch: list[_Delivery], results: list[ProcessResult]) -> None:
        for delivery, result in zip(batch, results, strict=True):
            self._settle(
                delivery.channel, delivery.method, delivery.properties, delivery.body, result
            )

    def _settle(
        self,
        channel: BlockingChannel,
        method: Basic.Deliver,
        properties: BasicProperties,
        body: bytes,
        result: ProcessResult,
    ) -> None:
        tag = method.delivery_tag
        if channel.is_closed:
            return
        if result.outcome in (Outcome.APPLIED, Outcome.DUPLICATE):
            channel.basic_ack(tag)
            return
        headers: dict[str, Any] = dict(properties.headers or {})
        attempt = int(headers.get(ATTEMPT_HEADER, 0)) + 1
        headers[ERROR_HEADER] = result.reason[:500]
        if result.outcome is Outcome.RETRY and attempt <= len(self.topology.retry_delays_ms):
            headers[ATTEMPT_HEADER] = attempt
            target = self.topology.delay_queue(attempt)
        else:
            target = self.topology.dead_letter_queue
            logger.error(
                "event dead-lettered",
                extra={"queue": self.topology.queue, "reason": result.reason, "attempt": attempt},
            )
        confirm = self._confirm_channel
        assert confirm is not None
        # Confirmed republish first, ack after: a crash in between repeats, never loses.
        confirm.basic_publish(
            self.topology.retry_exchange,
            target,
            body,
            properties=BasicProperties(
                content_type=properties.content_type,
                delivery_mode=pika.DeliveryMode.Persistent,
                message_id=properties.message_id,
                correlation_id=properties.correlation_id,
                type=properties.type,
                app_id=properties.app_id,
                headers=headers,
            ),
        )
        channel.basic_ack(tag)


def dead_letters(url: str, topology: ConsumerTopology, limit: int = 50) -> list[dict[str, Any]]:
    """Peek at the DLQ: messages are read and returned to the queue unacknowledged."""
    return [
        {
            "message_id": letter["message_id"],
            "type": letter["type"],
            "error": letter["headers"].get(ERROR_HEADER),
            "attempts": letter["headers"].get(ATTEMPT_HEADER, 0),
            "body": letter["body"],
        }
        for letter in _peek(url, topology.dead_letter_queue, limit)
    ]


def unrouted_events(url: str, exchange: str, limit: int = 50) -> list[dict[str, Any]]:
    """Peek at the events of `exchange` that no queue was bound for (they stay queued)."""
    return [
        {
            "message_id": event["message_id"],
            "type": event["type"],
            "routing_key": event["routing_key"],
            "body": event["body"],
        }
        for event in _peek(url, unrouted_of(exchange), limit)
    ]


def _peek(url: str, queue: str, limit: int) -> list[dict[str, Any]]:
    connection = connect(url)
    try:
        channel = connection.channel()
        found: list[dict[str, Any]] = []
        for _ in range(limit):
            method, properties, body = channel.basic_get(queue)
            if method is None:
                break
            found.append(
                {
                    "message_id": properties.message_id,
                    "type": properties.type,
                    "routing_key": method.routing_key,
                    "headers": dict(properties.headers or {}),
                    "body": body.decode("utf-8", "replace")[:2000],
                }
            )
        return found
    finally:
        connection.close()  # unacked messages return to the queue


def republish_unrouted(url: str, exchange: str, limit: int = 1000) -> int:
    """Publish the unrouted events of `exchange` to it again (once a binding was added), with
    their routing keys; an event still bound for no queue comes back. Returns how many."""
    connection = connect(url)
    moved = 0
    try:
        channel = connection.channel()
        queue = unrouted_of(exchange)
        waiting = int(channel.queue_declare(queue, passive=True).method.message_count)
        channel.confirm_delivery()
        for _ in range(min(limit, waiting)):  # the ones present now: a repeat comes back last
            method, properties, body = channel.basic_get(queue)
            if method is None:
                break
            channel.basic_publish(exchange, method.routing_key, body, properties=properties)
            channel.basic_ack(method.delivery_tag)
            moved += 1
        return moved
    finally:
        connection.close()


def redrive(url: str, topology: ConsumerTopology, limit: int = 1000) -> int:
    """Move dead letters back to their queue with a fresh retry budget; returns how many."""
    connection = connect(url)
    moved = 0
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        for _ in range(limit):
            method, properties, body = channel.basic_get(topology.dead_letter_queue)
            if method is None:
                break
            headers = {k: v for k, v in (properties.headers or {}).items() if k != ATTEMPT_HEADER}
            properties.headers = headers
            channel.basic_publish(
                topology.retry_exchange, topology.queue, body, properties=properties
            )
            channel.basic_ack(method.delivery_tag)
            moved += 1
        return moved
    finally:
        connection.close()
