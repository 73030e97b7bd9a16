"""SQLAlchemy Core tables of schema `audit` (the migrations are the source of truth for DDL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table

SCHEMA = "audit"
metadata = sa.MetaData(schema=SCHEMA)

records = sa.Table(
    "records",
    metadata,
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("resource_type", sa.Text, nullable=False),
    sa.Column("resource_id", sa.Text, nullable=False),
    sa.Column("actor_id", sa.Text),
    sa.Column("request_id", sa.Text),
    sa.Column("source_ip", sa.Text),
    sa.Column("details", postgresql.JSONB, nullable=False),
    sa.Column("prev_hash", sa.Text, nullable=False),
    sa.Column("hash", sa.Text, nullable=False),
)

chain = sa.Table(
    "chain",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("anchor_seq", sa.BigInteger, nullable=False),
    sa.Column("anchor_hash", sa.Text, nullable=False),
    sa.Column("head_seq", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.Text, nullable=False),
)

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
