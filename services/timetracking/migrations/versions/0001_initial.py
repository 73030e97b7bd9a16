"""Entries, timesheets, preferences, the task and user replicas, outbox and inbox.

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

SCHEMA = "timetracking"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "entries",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("task_id", UUID, nullable=False),
        sa.Column("team_id", UUID),
        sa.Column("work_date", sa.Date, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("duration_minutes", sa.Integer),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("billable", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("source IN ('manual', 'timer', 'automatic')", name="ck_entries_source"),
        sa.CheckConstraint(
            "duration_minutes IS NULL OR duration_minutes BETWEEN 0 AND 1440",
            name="ck_entries_duration",
        ),
        sa.CheckConstraint(
            "(duration_minutes IS NULL) = (ended_at IS NULL AND started_at IS NOT NULL)",
            name="ck_entries_running_has_no_duration",
        ),
        sa.CheckConstraint("char_length(note) <= 2000", name="ck_entries_note"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_entries_user_work_date", "entries", ["user_id", "work_date", "id"], schema=SCHEMA
    )
    op.create_index("ix_entries_task", "entries", ["task_id"], schema=SCHEMA)
    op.create_index("ix_entries_team_work_date", "entries", ["team_id", "work_date"], schema=SCHEMA)
    op.create_index("ix_entries_work_date_id", "entries", ["work_date", "id"], schema=SCHEMA)
    op.create_index(
        "ux_entries_one_running_timer",
        "entries",
        ["user_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("started_at IS NOT NULL AND ended_at IS NULL"),
    )
    op.create_table(
        "timesheets",
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("submitted_at", TS),
        sa.Column("decided_by", UUID),
        sa.Column("decided_at", TS),
        sa.Column("reason", sa.Text),
        sa.CheckConstraint(
            "status IN ('open', 'submitted', 'approved', 'rejected')",
            name="ck_timesheets_status",
        ),
        sa.CheckConstraint("extract(isodow FROM week_start) = 1", name="ck_timesheets_monday"),
        schema=SCHEMA,
    )
    op.create_table(
        "preferences",
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("auto_tracking", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "tasks",
        sa.Column("task_id", UUID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("team_id", UUID),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("assignee_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("is_archived", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("rollup_version", sa.BigInteger, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.create_table(
        "users",
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("team_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_users_team_ids", "users", ["team_ids"], schema=SCHEMA, postgresql_using="gin"
    )
    create_outbox_table_v1(SCHEMA)
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("users", schema=SCHEMA)
    op.drop_table("tasks", schema=SCHEMA)
    op.drop_table("preferences", schema=SCHEMA)
    op.drop_table("timesheets", schema=SCHEMA)
    op.drop_table("entries", schema=SCHEMA)
