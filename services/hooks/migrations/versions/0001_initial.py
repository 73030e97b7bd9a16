"""Visibility replica, event log, webhooks, deliveries, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import create_inbox_table_v1
from taskhive_shared.events.outbox import create_outbox_table_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "hooks"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", UUID, primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        schema=SCHEMA,
    )
    op.create_index("ix_team_members_user", "team_members", ["user_id"], schema=SCHEMA)
    op.create_table(
        "teams",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "tasks",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("team_id", UUID),
        sa.Column("assignee_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("is_deleted", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
        sa.Column("id", UUID, nullable=False, unique=True),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("task_id", UUID),
        sa.Column("team_id", UUID),
        sa.Column("actor_id", UUID),
        sa.Column("time", TS, nullable=False),
        sa.Column("envelope", postgresql.JSONB, nullable=False),
        sa.Column("received_at", TS, nullable=False),
        schema=SCHEMA,
    )
    # The feed's filters walk these newest first; received_at serves the retention purge.
    op.create_index("ix_events_task", "events", ["task_id", "seq"], schema=SCHEMA)
    op.create_index("ix_events_team", "events", ["team_id", "seq"], schema=SCHEMA)
    op.create_index("ix_events_actor", "events", ["actor_id", "seq"], schema=SCHEMA)
    op.create_index("ix_events_received_at", "events", ["received_at"], schema=SCHEMA)
    op.create_table(
        "webhooks",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("owner_id", UUID, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("previous_secret", sa.Text),
        sa.Column("previous_secret_expires_at", TS),
        sa.Column("failing_since", TS),
        sa.Column("disabled_reason", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint("char_length(url) <= 2048", name="ck_webhooks_url"),
        sa.CheckConstraint("version >= 1", name="ck_webhooks_version"),
        schema=SCHEMA,
    )
    op.create_index("ix_webhooks_owner", "webhooks", ["owner_id", "id"], schema=SCHEMA)
    op.create_table(
        "deliveries",
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
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("first_attempt_at", TS),
        sa.Column("locked_until", TS),
        sa.Column("response_code", sa.Integer),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("response_body", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed')", name="ck_deliveries_status"
        ),
        # Exactly one delivery per hook and event, however often the event arrives.
        sa.UniqueConstraint("webhook_id", "event_id", name="uq_deliveries_webhook_event"),
        schema=SCHEMA,
    )
    op.create_index("ix_deliveries_webhook", "deliveries", ["webhook_id", "id"], schema=SCHEMA)
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_deliveries_task_order",
        "deliveries",
        ["webhook_id", "task_id", "event_seq"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    create_outbox_table_v1(SCHEMA)
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    for table in (
        "inbox",
        "outbox",
        "deliveries",
        "webhooks",
        "events",
        "tasks",
        "teams",
        "team_members",
        "users",
    ):
        op.drop_table(table, schema=SCHEMA)
