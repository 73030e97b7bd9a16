"""An in-process broker for the embedded single-process mode.

It gives the same relay (`OutboxRelay`, through the `EventPublisher` port) and the same
`EventProcessor` as RabbitMQ a home without a server: topic-style routing by event type,
one worker thread per queue (in order), delayed retries, and a dead-letter list.
Messages live in memory only: the outbox keeps anything not yet published across restarts.
Like RabbitMQ's alternate exchanges, an event no queue is bound for is kept (the newest
UNROUTED_MAX_LENGTH per exchange) and logged once per type, unless its type was declared
published without a consumer (`discard`).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from taskhive_shared.events.consumer import EventProcessor, Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.messaging.rabbitmq import (
    DEFAULT_RETRY_DELAYS_MS,
    UNROUTED_MAX_LENGTH,
    ConsumerTopology,
)

logger = logging.getLogger(__name__)


@dataclass
class _Queue:
    name: str
    processor: EventProcessor
    retry_delays_ms: Sequence[int]
    messages: queue.Queue[tuple[bytes, int]] = field(default_factory=queue.Queue)
    dead_letters: list[tuple[bytes, str]] = field(default_factory=list)


class InMemoryBroker:
    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], list[_Queue]] = defaultdict(list)
        self._queues: dict[str, _Queue] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._unrouted: dict[str, deque[bytes]] = defaultdict(
            lambda: deque(maxlen=UNROUTED_MAX_LENGTH)
        )
        self._discarded: set[tuple[str, str]] = set()
        self._reported: set[tuple[str, str]] = set()

    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        body = json.dumps(envelope.to_dict()).encode()
        key = (exchange, envelope.type)
        with self._lock:
            targets = list(self._routes.get(key, ()))
            if not targets and key not in self._discarded:
                self._unrouted[exchange].append(body)
                first = key not in self._reported
                self._reported.add(key)
                if first:
                    logger.warning(
                        "events unrouted",
                        extra={"exchange": exchange, "event_type": envelope.type},
                    )
        for target in targets:
            target.messages.put((body, 0))

    def publish_batch(self, exchange: str, envelopes: Sequence[EventEnvelope]) -> int:
        """Nothing to wait for: each message is with its queues once `publish` returns."""
        for envelope in envelopes:
            self.publish(exchange, envelope)
        return len(envelopes)

    def discard(self, exchange: str, event_types: Iterable[str]) -> None:
        """Types published, knowingly, without a consumer yet: dropped, not kept as unrouted."""
        with self._lock:
            self._discarded.update((exchange, event_type) for event_type in event_types)

    def unrouted(self, exchange: str) -> list[bytes]:
        with self._lock:
            return list(self._unrouted[exchange])

    def close(self) -> None:
        """Nothing to release per publisher (the broker lives as long as the process)."""

    def bind(
        self,
        queue_name: str,
        exchange: str,
        processor: EventProcessor,
        retry_delays_ms: Sequence[int] = DEFAULT_RETRY_DELAYS_MS,
    ) -> None:
        """Route the processor's event types from `exchange` to the named queue and start it."""
        with self._lock:
            target = self._queue(queue_name, processor, retry_delays_ms)
            for event_type in processor.event_types:
                self._routes[(exchange, event_type)].append(target)

    def bind_topology(self, topology: ConsumerTopology, processor: EventProcessor) -> None:
        """Bind as RabbitMQ is bound from the same `ConsumerTopology` (a service's bootstrap
        `consumer_topology()`): its queue, each producer exchange's listed types, its delays."""
        with self._lock:
            target = self._queue(topology.queue, processor, topology.retry_delays_ms)
            for exchange, event_types in topology.bindings.items():
                for event_type in event_types:
                    self._routes[(exchange, event_type)].append(target)

    def _queue(
        self, queue_name: str, processor: EventProcessor, retry_delays_ms: Sequence[int]
    ) -> _Queue:
        """The named queue, created with its worker thread on first use (lock held)."""
        target = self._queues.get(queue_name)
        if target is None:
            target = _Queue(queue_name, processor, retry_delays_ms)
            self._queues[queue_name] = target
            thread = threading.Thread(
                target=self._work, args=(target,), name=f"queue-{queue_name}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return target

    def dead_letters(self, queue_name: str) -> list[tuple[bytes, str]]:
        return list(self._queues[queue_name].dead_letters)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _work(self, target: _Queue) -> None:
        while not self._stop.is_set():
            try:
                body, attempt = target.messages.get(timeout=0.2)
            except queue.Empty:
                continue
            result = target.processor.process(body)
            if result.outcome in (Outcome.APPLIED, Outcome.DUPLICATE):
                continue
            if result.outcome is Outcome.RETRY and attempt < len(target.retry_delays_ms):
                delay = target.retry_delays_ms[attempt] / 1000
                timer = threading.Timer(delay, target.messages.put, args=((body, attempt + 1),))
                timer.daemon = True
                timer.start()
                continue
            logger.error(
                "event dead-lettered", extra={"queue": target.name, "reason": result.reason}
            )
            target.dead_letters.append((body, result.reason))
