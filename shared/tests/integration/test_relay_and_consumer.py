"""The event backbone against real PostgreSQL and RabbitMQ: relay, consumer, retries, DLQ."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pika
import pytest
import sqlalchemy as sa

from shared.tests.integration.backbone import (
    EVENT_TYPE,
    effect_rows,
    inbox,
    outbox,
    record_effect,
    unique_queue,
)
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.relay import OutboxRelay, envelope_of
from taskhive_shared.messaging.rabbitmq import (
    ConsumerTopology,
    PikaEventConsumer,
    PikaPublisher,
    dead_letters,
    redrive,
)

EXCHANGE = "demo.events"
FAST_RETRIES = (100, 200)


def wait_for(condition: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextmanager
def running(target: Callable[[threading.Event], None]) -> Iterator[threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(stop,), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=20)
        assert not thread.is_alive(), "the loop did not stop when asked"


def unpublished(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
            ).scalar_one()
        )


def make_consumer(
    amqp_url: str, unit_of_work: Callable[[], Any], contracts: Any, queue: str
) -> PikaEventConsumer:
    processor = EventProcessor(
        queue, {EVENT_TYPE: record_effect(queue)}, contracts, unit_of_work, inbox
    )
    topology = ConsumerTopology(
        service="demo-consumer",
        queue=queue,
        bindings={EXCHANGE: [EVENT_TYPE]},
        retry_delays_ms=FAST_RETRIES,
    )
    return PikaEventConsumer(amqp_url, topology, processor)


def declare_only(amqp_url: str, consumer: PikaEventConsumer) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    consumer.topology.declare(connection.channel())
    connection.close()


def publish_raw(amqp_url: str, body: bytes, message_id: str = "raw") -> None:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.confirm_delivery()
    channel.basic_publish(
        EXCHANGE, EVENT_TYPE, body, properties=pika.BasicProperties(message_id=message_id)
    )
    connection.close()


@pytest.fixture
def relay(backbone_engine: sa.Engine, amqp_url: str, clean_tables: None) -> OutboxRelay:
    return OutboxRelay(
        backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE, batch_size=50, poll_interval=0.2
    )


def test_every_committed_event_is_applied_once_in_order(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    ids = write_events(120)
    with running(consumer.run), running(relay.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 120, what="120 effects")
    assert effect_rows(backbone_engine, queue) == [(event_id, i) for i, event_id in enumerate(ids)]
    assert unpublished(backbone_engine) == 0


def test_the_relay_wakes_on_notify_without_waiting_for_the_poll(
    backbone_engine, amqp_url, unit_of_work, contracts, write_events, clean_tables
):
    slow_poll = OutboxRelay(
        backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE, poll_interval=30
    )
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    with running(consumer.run), running(slow_poll.run):
        time.sleep(1.0)  # the relay is now parked on LISTEN with a 30 s poll
        write_events(1)
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 1, timeout=5, what="notify")


def test_a_duplicate_delivery_has_no_second_effect(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    write_events(3)
    relay.drain()
    with backbone_engine.begin() as connection:  # pretend the relay crashed before marking
        connection.execute(outbox.update().values(published_at=None))
    relay.drain()
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) >= 3, what="effects")
        time.sleep(1.0)  # give the duplicates time to arrive
    assert len(effect_rows(backbone_engine, queue)) == 3


def test_a_failing_handler_ends_in_the_dlq_and_the_queue_keeps_flowing(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    [poison] = write_events(1, start=0, fail=True)
    write_events(5, start=1)
    relay.drain()
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 5, what="healthy effects")
        wait_for(lambda: len(dead_letters(amqp_url, consumer.topology)) == 1, what="dead letter")
    [letter] = dead_letters(amqp_url, consumer.topology)
    assert letter["message_id"] == poison
    assert letter["attempts"] == len(FAST_RETRIES)
    assert "always fails" in letter["error"]


def test_invalid_messages_go_straight_to_the_dlq_without_crashing(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    publish_raw(amqp_url, b"not json at all", "garbage")
    envelope = {
        "id": "0193e3c0-0000-7000-8000-000000000001",
        "type": EVENT_TYPE,
        "source": "demo",
        "subject": "x",
        "time": "2026-11-24T00:00:00Z",
        "data": {"item": "not-an-integer"},
    }
    publish_raw(amqp_url, json.dumps(envelope).encode(), "contract-breaker")
    write_events(2)
    relay.drain()
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 2, what="valid effects")
        wait_for(lambda: len(dead_letters(amqp_url, consumer.topology)) == 2, what="2 letters")
    letters = {letter["message_id"]: letter for letter in dead_letters(amqp_url, consumer.topology)}
    assert letters["garbage"]["attempts"] == 0, "invalid input is not retried"
    assert "malformed" in letters["garbage"]["error"]
    assert "item" in letters["contract-breaker"]["error"]


def test_redrive_applies_dead_letters_once_the_cause_is_fixed(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    write_events(1, fail=True)
    relay.drain()
    with running(consumer.run):
        wait_for(lambda: len(dead_letters(amqp_url, consumer.topology)) == 1, what="letter")
    healed = EventProcessor(
        queue,
        {EVENT_TYPE: lambda envelope, uow: record_effect(queue)(_without_fail(envelope), uow)},
        contracts,
        unit_of_work,
        inbox,
    )
    consumer.processor = healed
    assert redrive(amqp_url, consumer.topology) == 1
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 1, what="redriven effect")
    assert dead_letters(amqp_url, consumer.topology) == []


def _without_fail(envelope: Any) -> Any:
    from dataclasses import replace

    return replace(envelope, data={k: v for k, v in envelope.data.items() if k != "fail"})


def test_only_one_relay_is_active_at_a_time(backbone_engine, amqp_url, write_events, clean_tables):
    first = OutboxRelay(
        backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE, poll_interval=0.1
    )
    second = OutboxRelay(
        backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE, poll_interval=0.1
    )
    with running(first.run):
        time.sleep(0.5)
        with running(second.run):
            write_events(3)
            wait_for(lambda: unpublished(backbone_engine) == 0, what="relayed")
            # Only this database's locks: other runs on the same server hold their own.
            with backbone_engine.connect() as connection:
                holders = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                        " AND database = (SELECT oid FROM pg_database"
                        " WHERE datname = current_database())"
                    )
                ).scalar_one()
            assert holders == 1


def test_broker_restart_during_publishing_loses_and_doubles_nothing(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    ids = write_events(50)
    with running(consumer.run), running(relay.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) > 0, what="first effects")
        subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
        try:
            ids += write_events(50, start=50)  # committed while the broker is down
            time.sleep(1.0)
            assert unpublished(backbone_engine) > 0, "rows stay in the outbox while down"
        finally:
            subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
            subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)
        ids += write_events(20, start=100)
        wait_for(
            lambda: len(effect_rows(backbone_engine, queue)) >= 120, timeout=120, what="all effects"
        )
        time.sleep(1.0)
    rows = effect_rows(backbone_engine, queue)
    assert sorted(event_id for event_id, _ in rows) == sorted(ids), "each event exactly once"
    assert unpublished(backbone_engine) == 0


def test_the_relay_survives_losing_its_database_connections(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    """What a PostgreSQL restart looks like to the relay: every connection dropped at once."""
    queue = unique_queue()
    consumer = make_consumer(amqp_url, unit_of_work, contracts, queue)
    declare_only(amqp_url, consumer)
    with running(consumer.run), running(relay.run):
        write_events(5)
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 5, what="first effects")
        with backbone_engine.connect() as connection:
            killed = connection.execute(
                sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
        assert killed > 0
        write_events(5, start=5)
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 10, what="after the outage")
    assert unpublished(backbone_engine) == 0


def test_published_rows_are_pruned_after_the_retention(
    backbone_engine, amqp_url, write_events, clean_tables
):
    from datetime import timedelta

    relay = OutboxRelay(
        backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE, retention=timedelta(days=7)
    )
    write_events(3)
    relay.drain()
    write_events(1, start=3)  # not yet published: never pruned
    with backbone_engine.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.published_at.is_not(None))
            .values(published_at=sa.func.now() - sa.text("interval '8 days'"))
        )
    assert relay.prune() == 3
    with backbone_engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar_one() == 1


def test_a_handler_longer_than_the_heartbeat_does_not_lose_the_connection(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()

    def slow(envelope: Any, uow: Any) -> None:
        time.sleep(5)  # > 2 heartbeat intervals: pika's I/O thread must keep answering
        record_effect(queue)(envelope, uow)

    processor = EventProcessor(queue, {EVENT_TYPE: slow}, contracts, unit_of_work, inbox)
    topology = ConsumerTopology(
        service="demo-consumer", queue=queue, bindings={EXCHANGE: [EVENT_TYPE]}
    )
    consumer = PikaEventConsumer(amqp_url, topology, processor, heartbeat=2)
    declare_only(amqp_url, consumer)
    write_events(2)
    relay.drain()
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 1, timeout=40, what="first")
        connection = consumer._connection
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 2, timeout=40, what="second")
        time.sleep(1.0)
        # Had the handler blocked pika's I/O, the broker would have dropped the connection
        # (missed heartbeats) and the consumer would be on a new one.
        assert consumer._connection is connection
        assert connection is not None
        assert connection.is_open
    assert len(effect_rows(backbone_engine, queue)) == 2


def test_the_inbox_forgets_old_events_of_its_own_consumer_only(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    from datetime import timedelta

    mine, other = unique_queue(), unique_queue()
    processors = {
        name: EventProcessor(
            name, {EVENT_TYPE: record_effect(name)}, contracts, unit_of_work, inbox
        )
        for name in (mine, other)
    }
    write_events(2)
    with backbone_engine.connect() as connection:
        bodies = [
            json.dumps(envelope_of(row).to_dict()).encode()
            for row in connection.execute(sa.select(outbox))
        ]
    for processor in processors.values():
        for body in bodies:
            processor.process(body)
    with backbone_engine.begin() as connection:
        connection.execute(
            inbox.update().values(received_at=sa.func.now() - sa.text("interval '31 days'"))
        )
    assert processors[mine].prune_inbox(timedelta(days=30)) == 2
    with backbone_engine.connect() as connection:
        left = connection.execute(sa.select(inbox.c.consumer)).scalars().all()
    assert left == [other, other]


def test_stopping_the_consumer_finishes_and_acks_the_message_in_flight(
    relay, backbone_engine, amqp_url, unit_of_work, contracts, write_events
):
    queue = unique_queue()
    started = threading.Event()

    def slow(envelope: Any, uow: Any) -> None:
        started.set()
        time.sleep(1.5)
        record_effect(queue)(envelope, uow)

    processor = EventProcessor(queue, {EVENT_TYPE: slow}, contracts, unit_of_work, inbox)
    topology = ConsumerTopology(
        service="demo-consumer", queue=queue, bindings={EXCHANGE: [EVENT_TYPE]}
    )
    consumer = PikaEventConsumer(amqp_url, topology, processor, prefetch=1)
    declare_only(amqp_url, consumer)
    write_events(1)
    relay.drain()
    with running(consumer.run):
        assert started.wait(20)
    # Stopped mid-handler: the effect was committed and the ack sent, so nothing is left.
    assert len(effect_rows(backbone_engine, queue)) == 1
    channel = pika.BlockingConnection(pika.URLParameters(amqp_url)).channel()
    assert channel.queue_declare(queue, passive=True).method.message_count == 0


class _FailsOnThird:
    """A broker that confirms two messages and then refuses."""

    def __init__(self) -> None:
        self.published: list[str] = []

    def publish(self, exchange: str, envelope: Any) -> None:
        if len(self.published) == 2:
            raise RuntimeError("broker went away")
        self.published.append(str(envelope.id))

    def close(self) -> None:
        """Nothing to release."""


def test_rows_confirmed_before_a_failure_stay_published(
    backbone_engine, write_events, clean_tables
):
    ids = write_events(4)
    broker = _FailsOnThird()
    relay = OutboxRelay(backbone_engine, outbox, broker, EXCHANGE)
    with pytest.raises(RuntimeError, match="went away"):
        relay.relay_batch()
    with backbone_engine.connect() as connection:
        marked = (
            connection.execute(
                sa.select(outbox.c.id)
                .where(outbox.c.published_at.is_not(None))
                .order_by(outbox.c.seq)
            )
            .scalars()
            .all()
        )
    assert [str(event_id) for event_id in marked] == ids[:2] == broker.published
    assert unpublished(backbone_engine) == 2
