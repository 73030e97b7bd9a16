"""SQLAlchemy Core tables of schema `users` (the migrations are the source of truth for DDL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table
from taskhive_shared.idempotency import idempotency_table

SCHEMA = "users"
metadata = sa.MetaData(schema=SCHEMA)
UUID = postgresql.UUID(as_uuid=True)
TIMESTAMP = sa.DateTime(timezone=True)

profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("first_name", sa.Text, nullable=False),
    sa.Column("last_name", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("notification_preferences", postgresql.JSONB, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.true()),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

team_memberships = sa.Table(
    "team_memberships",
    metadata,
    sa.Column("team_id", UUID, sa.ForeignKey(f"{SCHEMA}.teams.id"), primary_key=True),
    sa.Column("user_id", UUID, sa.ForeignKey(f"{SCHEMA}.profiles.id"), primary_key=True),
    sa.Column("added_at", TIMESTAMP, nullable=False),
    sa.Column("added_by", UUID, nullable=False),
)

idempotency_keys = idempotency_table(metadata)

welcome_emails = sa.Table(
    "welcome_emails",
    metadata,
    sa.Column(
        "user_id",
        UUID,
        sa.ForeignKey(f"{SCHEMA}.profiles.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("message_id", sa.Text),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("sent_at", TIMESTAMP),
)

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
