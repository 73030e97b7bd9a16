"""The embedded mode's broker carries the same relay and processor as RabbitMQ does."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from shared.tests.integration.backbone import (
    EVENT_TYPE,
    effect_rows,
    inbox,
    outbox,
    record_effect,
    unique_queue,
)
from taskhive_shared.events.consumer import EventProcessor
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.messaging.inmemory import InMemoryBroker


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out")
        time.sleep(0.02)


@pytest.fixture
def broker():
    broker = InMemoryBroker()
    yield broker
    broker.stop()


def test_relayed_events_are_applied_once_in_order(
    broker, backbone_engine, unit_of_work, contracts, write_events, clean_tables
):
    queue = unique_queue()
    processor = EventProcessor(
        queue, {EVENT_TYPE: record_effect(queue)}, contracts, unit_of_work, inbox
    )
    broker.bind(queue, "demo.events", processor)
    relay = OutboxRelay(backbone_engine, outbox, broker, "demo.events")
    ids = write_events(30)
    assert relay.drain() == 30
    wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 30)
    # A second relay pass after a crash before marking repeats the events: no second effect.
    with backbone_engine.begin() as connection:
        connection.execute(outbox.update().values(published_at=None))
    relay.drain()
    time.sleep(0.3)
    assert effect_rows(backbone_engine, queue) == [(i, n) for n, i in enumerate(ids)]


def test_retries_then_dead_letters_and_keeps_flowing(
    broker, backbone_engine, unit_of_work, contracts, write_events, clean_tables
):
    queue = unique_queue()
    processor = EventProcessor(
        queue, {EVENT_TYPE: record_effect(queue)}, contracts, unit_of_work, inbox
    )
    broker.bind(queue, "demo.events", processor, retry_delays_ms=(50, 50))
    relay = OutboxRelay(backbone_engine, outbox, broker, "demo.events")
    write_events(1, fail=True)
    write_events(3, start=1)
    relay.drain()
    wait_for(lambda: len(broker.dead_letters(queue)) == 1)
    assert len(effect_rows(backbone_engine, queue)) == 3
    [(_, reason)] = broker.dead_letters(queue)
    assert "always fails" in reason
