"""An event no queue is bound for is kept, not dropped: in the producer's unrouted queue behind
its alternate exchange (RabbitMQ), or in the in-memory broker's unrouted list; the relay's
publisher says so in its log, and the operator can list and re-publish what was kept."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pika
import pytest

from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.messaging.inmemory import InMemoryBroker
from taskhive_shared.messaging.rabbitmq import (
    PikaPublisher,
    republish_unrouted,
    unrouted_events,
    unrouted_of,
)


def _event(event_type: str) -> EventEnvelope:
    return EventEnvelope(event_type, "demo", "s1", {"n": 1})


def _depth(amqp_url: str, queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def _wait_depth(amqp_url: str, queue: str, expected: int) -> int:
    deadline = time.monotonic() + 5
    while (depth := _depth(amqp_url, queue)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return depth


def test_an_unbound_type_is_kept_logged_listed_and_republished(
    amqp_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    exchange = f"demo{uuid.uuid4().hex[:8]}.events"
    publisher = PikaPublisher(amqp_url, unrouted_check_seconds=0)
    caplog.set_level(logging.WARNING, logger="taskhive_shared.messaging.rabbitmq")
    try:
        # The exchange does not exist yet: the publisher declares it, alternate exchange and all.
        publisher.publish(exchange, _event("demo.thing.happened.v1"))
        publisher.publish(exchange, _event("demo.thing.happened.v1"))
    finally:
        publisher.close()
    queue = unrouted_of(exchange)
    assert _wait_depth(amqp_url, queue, 2) == 2
    logged = [r for r in caplog.records if r.getMessage() == "events unrouted"]
    assert logged, "the publisher says that events are waiting unrouted"
    assert logged[-1].__dict__["queue"] == queue
    assert logged[-1].__dict__["messages"] >= 1

    listed = unrouted_events(amqp_url, exchange, limit=10)
    assert [event["routing_key"] for event in listed] == ["demo.thing.happened.v1"] * 2
    assert json.loads(listed[0]["body"])["type"] == "demo.thing.happened.v1"
    assert _depth(amqp_url, queue) == 2, "listing leaves them queued"

    # The missing binding is added; re-publishing delivers them and empties the unrouted queue.
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    bound = f"bound{uuid.uuid4().hex[:8]}"
    channel.queue_declare(bound, durable=True)
    channel.queue_bind(bound, exchange, routing_key="demo.thing.happened.v1")
    connection.close()
    assert republish_unrouted(amqp_url, exchange) == 2
    assert _wait_depth(amqp_url, bound, 2) == 2
    assert _wait_depth(amqp_url, queue, 0) == 0


def test_the_in_memory_broker_keeps_unrouted_events_except_declared_ones(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broker = InMemoryBroker()
    caplog.set_level(logging.WARNING, logger="taskhive_shared.messaging.inmemory")
    try:
        broker.discard("demo.events", ["demo.thing.ignored.v1"])
        broker.publish("demo.events", _event("demo.thing.happened.v1"))
        broker.publish("demo.events", _event("demo.thing.happened.v1"))
        broker.publish("demo.events", _event("demo.thing.ignored.v1"))
        kept = [json.loads(body)["type"] for body in broker.unrouted("demo.events")]
        assert kept == ["demo.thing.happened.v1"] * 2
        warnings = [r for r in caplog.records if r.getMessage() == "events unrouted"]
        assert len(warnings) == 1, "once per type"
        assert warnings[0].__dict__["event_type"] == "demo.thing.happened.v1"
    finally:
        broker.stop()
