"""Background jobs: the notification log, what the replica needs to email people, and the
marker of the due-soon reminder.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "tasks"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Replicated from users events (users.user.*.v1 carry both): the daily summary runs in
    # each person's timezone and every email honours their notification preferences.
    op.add_column(
        "replica_users",
        sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
        schema=SCHEMA,
    )
    op.add_column(
        "replica_users",
        sa.Column(
            "notification_preferences",
            postgresql.JSONB,
            nullable=False,
            server_default=sa.text("'{}'::jsonb"),
        ),
        schema=SCHEMA,
    )
    # The due date the due-soon reminder was sent for: once per due date, again after a move.
    op.add_column("tasks", sa.Column("due_soon_notified_for", TS), schema=SCHEMA)

    op.create_table(
        "notifications",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("recipient_id", UUID, nullable=False),
        # No foreign key: the delivery record outlives a task deleted by the cleanup.
        sa.Column("task_id", UUID),
        sa.Column("notification_type", sa.Text, nullable=False),
        sa.Column("occasion", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("recipient_email", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False, server_default=""),
        sa.Column("context", postgresql.JSONB, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("last_attempt_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        # One email per person, kind and occasion (an event id, a due date, a day): a second
        # run of a job or a redelivered event finds the row and sends nothing.
        sa.UniqueConstraint(
            "recipient_id", "notification_type", "occasion", name="uq_notifications_once"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed')", name="ck_notifications_status"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_notifications_pending",
        "notifications",
        [sa.text("coalesce(last_attempt_at, created_at)")],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_notifications_task_occasion",
        "notifications",
        ["task_id", "notification_type", "occasion"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_notifications_recent",
        "notifications",
        [sa.text("created_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_notifications_recipient",
        "notifications",
        ["recipient_id", sa.text("created_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
    )
    # Completed-yesterday of the daily summary: a person's tasks' status moves by time.
    op.create_index(
        "ix_task_history_status_task",
        "task_history",
        ["task_id", "at"],
        schema=SCHEMA,
        postgresql_where=sa.text("action = 'status_changed'"),
    )


def downgrade() -> None:
    op.drop_index("ix_task_history_status_task", table_name="task_history", schema=SCHEMA)
    op.drop_table("notifications", schema=SCHEMA)
    op.drop_column("tasks", "due_soon_notified_for", schema=SCHEMA)
    op.drop_column("replica_users", "notification_preferences", schema=SCHEMA)
    op.drop_column("replica_users", "timezone", schema=SCHEMA)
