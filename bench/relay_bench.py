"""Outbox relay throughput: `OutboxRelay.drain()` of N committed rows to RabbitMQ (ADR 0032).

Writes N outbox rows into a database of its own, binds a durable quorum queue to the exchange
(as a consumer's would be), then times one `drain()` of the relay and its CPU
(`time.process_time()`: the relay's process, pika and SQLAlchemy included), and checks that every
row was marked and every message arrived. Needs PostgreSQL and RabbitMQ on localhost (no stack).
Run: `.venv/bin/python -m bench.relay_bench --events 20000`; to measure another checkout's relay,
put its `shared/src` first on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

import pika
import psycopg
import sqlalchemy as sa
from psycopg import sql

from taskhive_shared.events.outbox import outbox_table
from taskhive_shared.events.relay import OutboxRelay
from taskhive_shared.messaging.rabbitmq import PikaPublisher
from taskhive_shared.observability.tracing import configure_tracing

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
SCHEMA = "relaybench"
EVENT_TYPE = "relaybench.item.created.v1"
INSERT_CHUNK = 2_000


def write_rows(engine: sa.Engine, table: sa.Table, count: int) -> None:
    now = datetime.now(UTC)
    for start in range(0, count, INSERT_CHUNK):
        rows = [
            {
                "id": uuid.uuid4(),
                "type": EVENT_TYPE,
                "source": "relaybench",
                "subject": f"item-{item}",
                "time": now,
                "correlation_id": uuid.uuid4().hex,
                "data": {"item": item, "title": "a task title of ordinary length", "tags": []},
            }
            for item in range(start, min(count, start + INSERT_CHUNK))
        ]
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)


def queued(queue: str) -> int:
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        return int(connection.channel().queue_declare(queue, passive=True).method.message_count)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    configure_tracing("relaybench")  # spans recorded as in a service (no exporter)
    name = f"taskhive_relaybench_{uuid.uuid4().hex[:8]}"
    exchange, queue = f"{name}.events", f"{name}.in"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    setup = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    try:
        metadata = sa.MetaData()
        table = outbox_table(metadata, SCHEMA)
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
            metadata.create_all(connection)
        channel = setup.channel()
        channel.exchange_declare(exchange, exchange_type="topic", durable=True)
        channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        channel.queue_bind(queue, exchange, routing_key="#")
        relay = OutboxRelay(
            engine, table, PikaPublisher(AMQP_URL), exchange, batch_size=args.batch_size
        )
        print("| round | events | s | events/s | relay ms CPU/event |")
        print("|---|---|---|---|---|")
        for round_ in range(1, args.rounds + 1):
            write_rows(engine, table, args.events)
            channel.queue_purge(queue)
            wall, cpu = time.perf_counter(), time.process_time()
            sent = relay.drain()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert sent == args.events, sent
            assert queued(queue) == args.events, "every message arrived"
            print(
                f"| {round_} | {sent} | {wall:.2f} | {sent / wall:,.0f} | {cpu * 1000 / sent:.3f} |"
            )
        relay.prune()
    finally:
        channel = setup.channel()
        channel.queue_delete(queue)
        channel.exchange_delete(exchange)
        setup.close()
        engine.dispose()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


if __name__ == "__main__":
    main()
