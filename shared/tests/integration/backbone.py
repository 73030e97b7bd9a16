"""Tables and helpers of the event-backbone tests: a `relaytest` schema with an outbox, an
inbox and an effects table, and a demo contract, so no service's code is involved."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table

SCHEMA = "relaytest"
EVENT_TYPE = "demo.item.created.v1"

metadata = sa.MetaData(schema=SCHEMA)
outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("consumer", sa.Text, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("item", sa.Integer, nullable=False),
)


def record_effect(consumer: str) -> Callable[[Any, Any], None]:
    def handler(envelope: Any, uow: Any) -> None:
        if envelope.data.get("fail"):
            raise RuntimeError("this handler always fails for fail=true")
        uow.session.execute(
            effects.insert().values(
                consumer=consumer, event_id=str(envelope.id), item=envelope.data["item"]
            )
        )

    return handler


def effect_rows(engine: sa.Engine, consumer: str) -> list[tuple[str, int]]:
    with engine.connect() as connection:
        return [
            (row.event_id, row.item)
            for row in connection.execute(
                sa.select(effects.c.event_id, effects.c.item)
                .where(effects.c.consumer == consumer)
                .order_by(effects.c.id)
            )
        ]


def unique_queue() -> str:
    return f"demo-consumer.q{uuid.uuid4().hex[:8]}"
