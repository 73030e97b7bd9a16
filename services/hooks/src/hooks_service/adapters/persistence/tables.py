"""SQLAlchemy Core tables of schema `hooks` (the migrations are the source of truth for DDL)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table

SCHEMA = "hooks"
metadata = sa.MetaData(schema=SCHEMA)
UUID = postgresql.UUID(as_uuid=True)
TIMESTAMP = sa.DateTime(timezone=True)

# The visibility replica: who may see what (DESIGN §5), fed by users.* and tasks.* events.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

team_members = sa.Table(
    "team_members",
    metadata,
    sa.Column("team_id", UUID, primary_key=True),
    sa.Column("user_id", UUID, primary_key=True),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("team_id", UUID),
    sa.Column("assignee_ids", postgresql.ARRAY(UUID), nullable=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

# Every consumed event once, in arrival order: the stream's resume log and the activity feed.
events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("id", UUID, nullable=False, unique=True),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("task_id", UUID),
    sa.Column("team_id", UUID),
    sa.Column("actor_id", UUID),
    sa.Column("time", TIMESTAMP, nullable=False),
    sa.Column("envelope", postgresql.JSONB, nullable=False),
    sa.Column("received_at", TIMESTAMP, nullable=False),
)

webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("owner_id", UUID, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("previous_secret", sa.Text),
    sa.Column("previous_secret_expires_at", TIMESTAMP),
    sa.Column("failing_since", TIMESTAMP),
    sa.Column("disabled_reason", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

deliveries = sa.Table(
    "deliveries",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column(
        "webhook_id",
        UUID,
        sa.ForeignKey(f"{SCHEMA}.webhooks.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("event_seq", sa.BigInteger, nullable=False),
    sa.Column("event_id", UUID, nullable=False),
    sa.Column("event_type", sa.Text, nullable=False),
    sa.Column("task_id", UUID),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
    sa.Column("first_attempt_at", TIMESTAMP),
    sa.Column("locked_until", TIMESTAMP),
    sa.Column("response_code", sa.Integer),
    sa.Column("duration_ms", sa.Integer),
    sa.Column("response_body", sa.Text),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
)

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
