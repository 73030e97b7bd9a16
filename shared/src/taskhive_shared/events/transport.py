"""The port through which a relay hands events to a broker.

RabbitMQ (pika) implements it in the stack; an in-memory broker implements it in the
embedded single-process mode, so relay and consumer code is the same in both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from threading import Lock
from typing import Protocol

from taskhive_shared.events.envelope import EventEnvelope

EventHandler = Callable[[EventEnvelope], None]


class EventTransport(Protocol):
    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        """Publish durably; return only once the broker has taken responsibility."""


class InMemoryTransport:
    """Synchronous in-process broker for the embedded mode and tests at the port."""

    def __init__(self) -> None:
        self._subscribers: dict[str, list[EventHandler]] = defaultdict(list)
        self._lock = Lock()

    def subscribe(self, event_type: str, handler: EventHandler) -> None:
        with self._lock:
            self._subscribers[event_type].append(handler)

    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        with self._lock:
            handlers = list(self._subscribers.get(envelope.type, ()))
        for handler in handlers:
            handler(envelope)
