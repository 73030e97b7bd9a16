"""The relay publishes a batch and waits once for the broker's confirms (ADR 0032): against real
PostgreSQL and RabbitMQ, a batch the broker refuses part way marks the confirmed rows only, and
the rest go with a later batch; each event keeps its PRODUCER span."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pika
import pytest
import sqlalchemy as sa
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shared.tests.integration.backbone import EVENT_TYPE, outbox
from shared.tests.spans import recorded_spans
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.events.publisher import BatchEventPublisher, PublishError
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.messaging.rabbitmq import PikaPublisher, declare_exchange, unrouted_of

ROOM = 3
"""Messages the test queue takes; the broker refuses (nacks) any more (`reject-publish`)."""


@pytest.fixture
def channel(amqp_url: str) -> Iterator[Any]:
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    yield connection.channel()
    connection.close()


@pytest.fixture
def small_queue(channel: Any) -> Iterator[tuple[str, str]]:
    """An exchange of its own whose only queue takes ROOM messages and refuses the rest."""
    exchange = f"demo-batch-{uuid.uuid4().hex[:8]}.events"
    queue = f"{exchange}.in"
    declare_exchange(channel, exchange)
    channel.queue_declare(
        queue, durable=True, arguments={"x-max-length": ROOM, "x-overflow": "reject-publish"}
    )
    channel.queue_bind(queue, exchange, routing_key=EVENT_TYPE)
    yield exchange, queue
    channel.queue_delete(queue)
    channel.queue_delete(unrouted_of(exchange))
    channel.exchange_delete(exchange)
    channel.exchange_delete(unrouted_of(exchange))


def take(channel: Any, queue: str) -> list[str]:
    """The ids of the events in `queue`, in order; the queue is empty afterwards."""
    ids = []
    while True:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            return ids
        ids.append(json.loads(body)["id"])


def marked(engine: sa.Engine) -> list[str]:
    with engine.connect() as connection:
        return [
            str(event_id)
            for event_id in connection.execute(
                sa.select(outbox.c.id)
                .where(outbox.c.published_at.is_not(None))
                .order_by(outbox.c.seq)
            ).scalars()
        ]


def test_the_rabbitmq_publisher_waits_once_per_batch(amqp_url):
    assert isinstance(PikaPublisher(amqp_url), BatchEventPublisher)


def test_a_batch_refused_part_way_marks_the_confirmed_rows_and_relays_the_rest_later(
    backbone_engine, amqp_url, write_events, clean_tables, channel, small_queue
):
    exchange, queue = small_queue
    ids = write_events(ROOM + 1)
    relay = OutboxRelay(backbone_engine, outbox, PikaPublisher(amqp_url), exchange)
    with pytest.raises(PublishError) as refused:
        relay.relay_batch()
    # The queue's limit is the broker's to apply (ROOM here): judged by what it confirmed.
    confirmed = refused.value.confirmed
    assert 0 < confirmed < len(ids)
    assert marked(backbone_engine) == ids[:confirmed]
    assert take(channel, queue) == ids[:confirmed]
    # The consumer made room: the next batch carries the rows the broker refused, in order.
    assert relay.drain() == len(ids) - confirmed
    assert marked(backbone_engine) == ids
    assert take(channel, queue) == ids[confirmed:]


def test_a_batch_after_a_refused_one_is_confirmed_on_the_new_channel(
    amqp_url, channel, small_queue
):
    """The refusal drops the channel; the publisher's count of delivery tags starts again."""
    exchange, queue = small_queue
    publisher = PikaPublisher(amqp_url)
    events = [
        EventEnvelope(type=EVENT_TYPE, source="demo", subject=f"item-{item}", data={"item": item})
        for item in range(ROOM + 1)
    ]
    try:
        with pytest.raises(PublishError) as refused:
            publisher.publish_batch(exchange, events)
        confirmed = refused.value.confirmed
        assert 0 < confirmed < len(events)
        take(channel, queue)
        assert publisher.publish_batch(exchange, events[confirmed:]) == len(events) - confirmed
        assert take(channel, queue) == [str(event.id) for event in events[confirmed:]]
    finally:
        publisher.close()


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    with recorded_spans("demo") as exporter:
        yield exporter


def test_each_event_of_a_batch_has_its_producer_span_and_carries_it(
    backbone_engine, amqp_url, write_events, clean_tables, channel, small_queue, spans
):
    exchange, queue = small_queue
    ids = write_events(ROOM + 1)
    relay = OutboxRelay(backbone_engine, outbox, PikaPublisher(amqp_url), exchange)
    spans.clear()
    with pytest.raises(PublishError) as refused:
        relay.relay_batch()
    confirmed = refused.value.confirmed
    assert 0 < confirmed < len(ids)
    carried = {}
    while True:
        method, _properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            break
        envelope = json.loads(body)
        carried[envelope["id"]] = envelope["traceparent"]
    assert list(carried) == ids[:confirmed] == marked(backbone_engine)
    published = [span for span in spans.get_finished_spans() if span.name.startswith("publish ")]
    assert [span.kind for span in published] == [SpanKind.PRODUCER] * len(ids)
    # A span lasts until its event is confirmed; an event the broker refused has an error.
    assert [span.status.status_code for span in published] == [StatusCode.UNSET] * confirmed + [
        StatusCode.ERROR
    ] * (len(ids) - confirmed)
    span_ids = [format(span.context.span_id, "016x") for span in published]
    assert [traceparent.split("-")[2] for traceparent in carried.values()] == span_ids[:confirmed]
