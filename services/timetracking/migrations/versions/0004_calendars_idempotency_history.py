"""Replicas of the teams' working calendars, Idempotency-Key records of entry creation, the
history of timesheet steps (unlock included) and a covering index for the timesheets' scan.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "timetracking"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendars",
        sa.Column("calendar_id", UUID, primary_key=True),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("working_days", postgresql.ARRAY(sa.SmallInteger), nullable=False),
        sa.Column("day_start", sa.Time, nullable=False),
        sa.Column("day_end", sa.Time, nullable=False),
        sa.Column("holidays", postgresql.ARRAY(sa.Date), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "team_calendars",
        sa.Column("team_id", UUID, primary_key=True),
        sa.Column("calendar_id", UUID),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "timesheet_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("actor_id", UUID, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_timesheet_history_sheet",
        "timesheet_history",
        ["user_id", "week_start", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", UUID, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("request_hash", sa.Text, nullable=False),
        sa.Column("response_status", sa.Integer),
        sa.Column("response_body", postgresql.JSONB),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("char_length(key) BETWEEN 1 AND 255", name="ck_idempotency_key"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_entries_user_week_cover",
        "entries",
        ["user_id", "work_date"],
        schema=SCHEMA,
        postgresql_include=["task_id", "started_at", "ended_at", "duration_minutes", "billable"],
        postgresql_where=sa.text("duration_minutes IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_entries_user_week_cover", table_name="entries", schema=SCHEMA)
    for table in ("idempotency_keys", "timesheet_history", "team_calendars", "calendars"):
        op.drop_table(table, schema=SCHEMA)
