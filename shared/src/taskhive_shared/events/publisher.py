"""The port through which the relay hands events to a broker (RabbitMQ or in-memory)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from taskhive_shared.events.envelope import EventEnvelope


class PublishError(Exception):
    """The broker did not confirm the message: it must be published again later.

    `confirmed` counts the messages of a batch, from its first, that the broker did confirm
    before the failure: those must not be published again."""

    def __init__(self, message: str, *, confirmed: int = 0) -> None:
        super().__init__(message)
        self.confirmed = confirmed


class EventPublisher(Protocol):
    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        """Return only once the broker has taken responsibility (publisher confirm)."""

    def close(self) -> None: ...


@runtime_checkable
class BatchEventPublisher(EventPublisher, Protocol):
    """A publisher that sends many messages and then waits once for the broker's confirms
    (ADR 0032); the relay publishes one message at a time through one that cannot."""

    def publish_batch(self, exchange: str, envelopes: Sequence[EventEnvelope]) -> int:
        """Publish `envelopes` in order and return once the broker has confirmed every one
        (returns how many). Raises `PublishError` whose `confirmed` is the length of the prefix
        the broker confirmed when any message was refused or the connection failed."""
        ...


def exchange_of(service: str) -> str:
    """Each producer has one durable topic exchange named after it (DESIGN §6)."""
    return f"{service}.events"
