"""The port through which the relay hands events to a broker (RabbitMQ or in-memory)."""

from __future__ import annotations

from typing import Protocol

from taskhive_shared.events.envelope import EventEnvelope


class PublishError(Exception):
    """The broker did not confirm the message: it must be published again later."""


class EventPublisher(Protocol):
    def publish(self, exchange: str, envelope: EventEnvelope) -> None:
        """Return only once the broker has taken responsibility (publisher confirm)."""

    def close(self) -> None: ...


def exchange_of(service: str) -> str:
    """Each producer has one durable topic exchange named after it (DESIGN §6)."""
    return f"{service}.events"
