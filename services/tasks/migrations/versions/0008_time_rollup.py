"""Time roll-up: the minutes logged on each task, from `timetracking.entry.*` events (ADR 0022).

`tasks.time_rollups` keeps the newest roll-up per task (`rollup_version` orders them whatever
the delivery order); the consumer also writes it to the task's `actual_hours`, which is then
read-only for clients.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = "tasks"


def upgrade() -> None:
    op.create_table(
        "time_rollups",
        sa.Column("task_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("logged_minutes", sa.Integer, nullable=False),
        sa.Column("rollup_version", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("logged_minutes >= 0", name="ck_time_rollups_logged_minutes"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("time_rollups", schema=SCHEMA)
