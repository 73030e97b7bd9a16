"""The inbox: which events a consumer has already applied (exactly-once effects).

The `(consumer, event_id)` row is inserted in the same transaction as the handler's effect,
so a redelivered or duplicated message finds it and has no second effect.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def _inbox_columns_v1() -> list[sa.Column[object]]:
    return [
        sa.Column("consumer", sa.Text, primary_key=True),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("event_type", sa.Text, nullable=False),
        sa.Column(
            "received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def inbox_table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table("inbox", metadata, *_inbox_columns_v1(), schema=schema)


def create_inbox_table_v1(schema: str) -> None:
    """For a service's Alembic migration: the inbox at its first version, frozen here."""
    from alembic import op

    op.create_table("inbox", *_inbox_columns_v1(), schema=schema)
    op.create_index("ix_inbox_received_at", "inbox", ["received_at"], schema=schema)


def record_once(
    session: Session, table: sa.Table, consumer: str, event_id: uuid.UUID, event_type: str
) -> bool:
    """Insert the inbox row; False when this consumer already applied the event."""
    inserted = session.execute(
        postgresql.insert(table)
        .values(consumer=consumer, event_id=event_id, event_type=event_type)
        .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
        .returning(table.c.event_id)
    ).first()
    return inserted is not None
