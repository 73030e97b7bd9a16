"""Replicas of users and teams, the task read model, the counters, outbox and inbox.

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

SCHEMA = "analytics"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def _scope_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("scope_id", UUID, primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "teams",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("member_ids", postgresql.ARRAY(UUID), nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    # A member's teams: `member_ids @> ARRAY[id]`.
    op.create_index(
        "ix_teams_member_ids", "teams", ["member_ids"], postgresql_using="gin", schema=SCHEMA
    )
    op.create_table(
        "tasks",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("summary", postgresql.JSONB, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("team_id", UUID),
        sa.Column("parent_task_id", UUID),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("story_points", sa.Integer),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("started_at", TS),
        sa.Column("completed_at", TS),
        sa.Column("lead_seconds", sa.Float),
        sa.Column("cycle_seconds", sa.Float),
        sa.Column("time_in_status", postgresql.JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "task_observations",
        sa.Column("task_id", UUID, primary_key=True),
        sa.Column("at", TS, primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("status", sa.Text, primary_key=True),
        schema=SCHEMA,
    )
    op.create_table(
        "hourly_counters",
        *_scope_columns(),
        sa.Column("hour", TS, primary_key=True),
        sa.Column("created", sa.Integer, nullable=False),
        sa.Column("completed", sa.Integer, nullable=False),
        sa.Column("points_created", sa.Integer, nullable=False),
        sa.Column("points_completed", sa.Integer, nullable=False),
        sa.Column("completed_with_due", sa.Integer, nullable=False),
        sa.Column("completed_on_time", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "cycle_histogram",
        *_scope_columns(),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("bucket", sa.SmallInteger, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "dimension_counters",
        *_scope_columns(),
        sa.Column("dimension", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "due_counters",
        *_scope_columns(),
        sa.Column("due_hour", TS, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "rebuild_state",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_rebuild_state_single_row"),
        sa.CheckConstraint("state IN ('idle', 'collecting')", name="ck_rebuild_state_state"),
        schema=SCHEMA,
    )
    op.execute("INSERT INTO analytics.rebuild_state VALUES (1, 'idle', now())")
    create_outbox_table_v1(SCHEMA)
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    for table in (
        "inbox",
        "outbox",
        "rebuild_state",
        "due_counters",
        "dimension_counters",
        "cycle_histogram",
        "hourly_counters",
        "task_observations",
        "tasks",
        "teams",
        "users",
    ):
        op.drop_table(table, schema=SCHEMA)
