"""The event commands every service's CLI offers: `relay`, `consume`, `dlq list|redrive`,
`unrouted list|redrive`.

Each runs until SIGTERM/SIGINT and then stops cleanly (in-flight work finishes first).
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

import click

from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.publisher import EventPublisher, exchange_of
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.messaging.rabbitmq import (
    ConsumerTopology,
    PikaEventConsumer,
    PikaPublisher,
    dead_letters,
    redrive,
    republish_unrouted,
    unrouted_events,
)
from taskhive_shared.observability.probe import start_probe


@dataclass(frozen=True)
class EventWiring:
    """What a service's bootstrap provides to run its event processes."""

    amqp_url: str
    relay: Callable[[EventPublisher], OutboxRelay]
    processor: Callable[[], EventProcessor]
    topology: Callable[[], ConsumerTopology]


def run_until_signalled(loop: Callable[[threading.Event], None]) -> None:
    stop = threading.Event()

    def _request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _request_stop)
    signal.signal(signal.SIGINT, _request_stop)
    loop(stop)


def event_commands(load: Callable[[], EventWiring]) -> list[click.Command]:
    @click.command()
    def relay() -> None:
        """Publish the outbox to RabbitMQ (one active relay per service)."""
        wiring = load()
        outbox_relay = wiring.relay(PikaPublisher(wiring.amqp_url))
        start_probe({"relay": outbox_relay.progress.check}, collect=outbox_relay.observe_backlog)
        run_until_signalled(outbox_relay.run)

    @click.command()
    def consume() -> None:
        """Consume this service's queue: handlers, inbox, retries, dead letters."""
        wiring = load()
        processor = wiring.processor()
        consumer = PikaEventConsumer(wiring.amqp_url, wiring.topology(), processor)
        start_probe({"consumer": consumer.progress.check})
        run_until_signalled(consumer.run)

    @click.group()
    def dlq() -> None:
        """Inspect and re-drive this service's dead-lettered messages."""

    @dlq.command("list")
    @click.option("--limit", default=50, show_default=True)
    def list_letters(limit: int) -> None:
        """Print dead letters as JSON lines (they stay in the DLQ)."""
        wiring = load()
        for letter in dead_letters(wiring.amqp_url, wiring.topology(), limit):
            click.echo(json.dumps(letter))

    @dlq.command("redrive")
    @click.option("--limit", default=1000, show_default=True)
    def redrive_letters(limit: int) -> None:
        """Move dead letters back to the queue with a fresh retry budget."""
        wiring = load()
        moved = redrive(wiring.amqp_url, wiring.topology(), limit)
        click.echo(f"re-drove {moved} message(s)")

    @click.group()
    def unrouted() -> None:
        """Inspect and re-publish this service's events that no queue was bound for."""

    @unrouted.command("list")
    @click.option("--limit", default=50, show_default=True)
    def list_unrouted(limit: int) -> None:
        """Print unrouted events as JSON lines (they stay queued)."""
        wiring = load()
        exchange = exchange_of(wiring.topology().service)
        for event in unrouted_events(wiring.amqp_url, exchange, limit):
            click.echo(json.dumps(event))

    @unrouted.command("redrive")
    @click.option("--limit", default=1000, show_default=True)
    def redrive_unrouted(limit: int) -> None:
        """Publish them to this service's exchange again (once the missing binding exists)."""
        wiring = load()
        moved = republish_unrouted(wiring.amqp_url, exchange_of(wiring.topology().service), limit)
        click.echo(f"re-published {moved} event(s)")

    return [relay, consume, dlq, unrouted]
