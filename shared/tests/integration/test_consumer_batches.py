"""Several deliveries in one database transaction (ADR 0030), against real PostgreSQL and
RabbitMQ: each message is a savepoint of the batch, one COMMIT for all."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from shared.tests.integration.backbone import (
    EVENT_TYPE,
    SCHEMA,
    effect_rows,
    inbox,
    outbox,
    record_effect,
    unique_queue,
)
from shared.tests.integration.test_relay_and_consumer import (
    EXCHANGE,
    FAST_RETRIES,
    declare_only,
    running,
    wait_for,
)
from taskhive_shared.db.unit_of_work import SqlAlchemyUnitOfWork, TransactionBatch
from taskhive_shared.events.consumer import EventProcessor, Outcome, ProcessResult
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.messaging.rabbitmq import ConsumerTopology, PikaEventConsumer, PikaPublisher

Handler = Callable[[EventEnvelope, Any], None]


def body(item: int, **extra: Any) -> bytes:
    envelope = EventEnvelope(
        type=EVENT_TYPE, source="demo", subject=f"item-{item}", data={"item": item, **extra}
    )
    return json.dumps(envelope.to_dict()).encode()


def inbox_count(engine: sa.Engine, consumer: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                sa.select(sa.func.count()).where(inbox.c.consumer == consumer)
            ).scalar_one()
        )


def processor(
    consumer: str,
    unit_of_work: Callable[[], SqlAlchemyUnitOfWork],
    contracts: Any,
    handler: Handler,
) -> EventProcessor:
    return EventProcessor(consumer, {EVENT_TYPE: handler}, contracts, unit_of_work, inbox)


def outcomes(results: Sequence[ProcessResult]) -> list[Outcome]:
    return [result.outcome for result in results]


def test_a_batch_is_one_transaction_and_one_commit(
    backbone_engine, unit_of_work, contracts, clean_tables
):
    consumer = unique_queue()
    transactions: list[int] = []
    effect = record_effect(consumer)

    def handler(envelope: EventEnvelope, uow: Any) -> None:
        transactions.append(uow.session.execute(sa.text("SELECT txid_current()")).scalar_one())
        effect(envelope, uow)

    apply = processor(consumer, unit_of_work, contracts, handler)
    results = apply.process_batch([body(item) for item in range(5)])
    assert outcomes(results) == [Outcome.APPLIED] * 5
    assert len(set(transactions)) == 1
    assert [item for _, item in effect_rows(backbone_engine, consumer)] == [0, 1, 2, 3, 4]
    assert inbox_count(backbone_engine, consumer) == 5

    apply.process_batch([body(5)])  # alone: its own transaction, as before batches
    assert len(set(transactions)) == 2


def test_a_failing_message_rolls_back_alone_and_is_retried(
    backbone_engine, unit_of_work, contracts, clean_tables
):
    consumer = unique_queue()
    apply = processor(consumer, unit_of_work, contracts, record_effect(consumer))
    results = apply.process_batch([body(0), body(1, fail=True), body(2)])
    assert outcomes(results) == [Outcome.APPLIED, Outcome.RETRY, Outcome.APPLIED]
    assert "always fails" in results[1].reason
    assert [item for _, item in effect_rows(backbone_engine, consumer)] == [0, 2]
    # Its inbox row went with its savepoint: the retry will apply it.
    assert inbox_count(backbone_engine, consumer) == 2


def test_a_duplicate_within_a_batch_is_applied_once(
    backbone_engine, unit_of_work, contracts, clean_tables
):
    consumer = unique_queue()
    apply = processor(consumer, unit_of_work, contracts, record_effect(consumer))
    same = body(7)
    assert outcomes(apply.process_batch([same, body(8), same])) == [
        Outcome.APPLIED,
        Outcome.APPLIED,
        Outcome.DUPLICATE,
    ]
    assert [item for _, item in effect_rows(backbone_engine, consumer)] == [7, 8]


@pytest.fixture
def deferred_unique(backbone_engine: sa.Engine) -> Iterator[str]:
    """A constraint checked at COMMIT only: two rows of the same key fail the commit."""
    table = f"{SCHEMA}.deferred_once"
    with backbone_engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(
            sa.text(
                f"CREATE TABLE {table} (k int, CONSTRAINT deferred_once_k UNIQUE (k) "
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield table
    with backbone_engine.begin() as connection:
        connection.execute(sa.text(f"DROP TABLE {table}"))


def test_when_the_batch_commit_fails_nothing_is_written_and_every_applied_one_is_retried(
    backbone_engine, unit_of_work, contracts, clean_tables, deferred_unique
):
    consumer = unique_queue()
    effect = record_effect(consumer)
    ran: list[int] = []

    def handler(envelope: EventEnvelope, uow: Any) -> None:
        effect(envelope, uow)
        uow.session.execute(sa.text(f"INSERT INTO {deferred_unique} VALUES (1)"))
        uow.after_commit(lambda: ran.append(envelope.data["item"]))

    apply = processor(consumer, unit_of_work, contracts, handler)
    results = apply.process_batch([body(0), body(1, fail=True), body(2)])
    assert outcomes(results) == [Outcome.RETRY] * 3
    assert "batch commit" in results[0].reason
    assert "always fails" in results[1].reason  # its own failure, not the batch's
    assert effect_rows(backbone_engine, consumer) == []
    assert inbox_count(backbone_engine, consumer) == 0
    assert ran == []  # after-commit callbacks never run after a rollback


def test_after_commit_callbacks_run_once_the_batch_is_committed(
    backbone_engine, unit_of_work, contracts, clean_tables
):
    consumer = unique_queue()
    effect = record_effect(consumer)
    visible: list[tuple[int, int]] = []

    def handler(envelope: EventEnvelope, uow: Any) -> None:
        effect(envelope, uow)
        item = envelope.data["item"]
        # What a job enqueued here would read from another connection.
        uow.after_commit(
            lambda: visible.append((item, len(effect_rows(backbone_engine, consumer))))
        )

    apply = processor(consumer, unit_of_work, contracts, handler)
    apply.process_batch([body(0), body(1, fail=True), body(2)])
    assert visible == [(0, 2), (2, 2)]


def test_units_of_work_outside_a_batch_commit_on_their_own(backbone_engine, unit_of_work):
    with TransactionBatch():
        pass  # a batch that opened no unit of work connects to nothing
    with unit_of_work() as uow:
        first = uow.session.execute(sa.text("SELECT txid_current()")).scalar_one()
        uow.commit()
    with unit_of_work() as uow:
        second = uow.session.execute(sa.text("SELECT txid_current()")).scalar_one()
    assert first != second


def test_the_consumer_applies_queued_messages_in_batches_in_order(
    backbone_engine, amqp_url, unit_of_work, contracts, write_events, clean_tables
):
    queue = unique_queue()
    effect = record_effect(queue)
    first_started = threading.Event()

    def handler(envelope: EventEnvelope, uow: Any) -> None:
        if envelope.data["item"] == 0:
            first_started.set()
            time.sleep(0.5)  # the next deliveries queue up meanwhile
        effect(envelope, uow)

    apply = processor(queue, unit_of_work, contracts, handler)
    sizes: list[int] = []
    process_batch = apply.process_batch

    def counted(bodies: Sequence[bytes]) -> list[ProcessResult]:
        sizes.append(len(bodies))
        return process_batch(bodies)

    apply.process_batch = counted  # type: ignore[method-assign]
    topology = ConsumerTopology(
        service="demo-consumer",
        queue=queue,
        bindings={EXCHANGE: [EVENT_TYPE]},
        retry_delays_ms=FAST_RETRIES,
    )
    consumer = PikaEventConsumer(amqp_url, topology, apply, prefetch=20, batch_size=8)
    declare_only(amqp_url, consumer)
    ids = write_events(60)
    OutboxRelay(backbone_engine, outbox, PikaPublisher(amqp_url), EXCHANGE).drain()
    with running(consumer.run):
        wait_for(lambda: len(effect_rows(backbone_engine, queue)) == 60, what="60 effects")
    assert first_started.is_set()
    assert effect_rows(backbone_engine, queue) == [(event_id, i) for i, event_id in enumerate(ids)]
    assert sum(sizes) == 60
    assert max(sizes) == 8  # queued behind the slow first one: full batches
