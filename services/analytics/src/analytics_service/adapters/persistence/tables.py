"""SQLAlchemy Core tables of schema `analytics` (the migrations are the source of truth for DDL).

Replicas (users, teams, members), the task read model (newest summary, status observations,
derived facts) and the counters the API reads (hourly, cycle-time histogram, dimensions, open
due dates), each keyed by scope (`all`, `user`, `team`, `parent`) and scope id.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table

SCHEMA = "analytics"
metadata = sa.MetaData(schema=SCHEMA)
UUID = postgresql.UUID(as_uuid=True)
TIMESTAMP = sa.DateTime(timezone=True)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("email", sa.Text),
)

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("member_ids", postgresql.ARRAY(UUID), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("summary", postgresql.JSONB, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("team_id", UUID),
    sa.Column("parent_task_id", UUID),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("story_points", sa.Integer),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("started_at", TIMESTAMP),
    sa.Column("completed_at", TIMESTAMP),
    sa.Column("lead_seconds", sa.Float),
    sa.Column("cycle_seconds", sa.Float),
    sa.Column("time_in_status", postgresql.JSONB, nullable=False),
)

task_observations = sa.Table(
    "task_observations",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("at", TIMESTAMP, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("status", sa.Text, primary_key=True),
)

hourly_counters = sa.Table(
    "hourly_counters",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("scope_id", UUID, primary_key=True),
    sa.Column("hour", TIMESTAMP, primary_key=True),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("completed", sa.Integer, nullable=False),
    sa.Column("points_created", sa.Integer, nullable=False),
    sa.Column("points_completed", sa.Integer, nullable=False),
    sa.Column("completed_with_due", sa.Integer, nullable=False),
    sa.Column("completed_on_time", sa.Integer, nullable=False),
)

cycle_histogram = sa.Table(
    "cycle_histogram",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("scope_id", UUID, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("bucket", sa.SmallInteger, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

dimension_counters = sa.Table(
    "dimension_counters",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("scope_id", UUID, primary_key=True),
    sa.Column("dimension", sa.Text, primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

due_counters = sa.Table(
    "due_counters",
    metadata,
    sa.Column("scope", sa.Text, primary_key=True),
    sa.Column("scope_id", UUID, primary_key=True),
    sa.Column("due_hour", TIMESTAMP, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

reports = sa.Table(
    "reports",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("owner_id", UUID, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("params", postgresql.JSONB, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("progress", sa.SmallInteger, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("file_key", sa.Text),
    sa.Column("error", sa.Text),
    sa.Column("finished_at", TIMESTAMP),
)

report_schedules = sa.Table(
    "report_schedules",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("team_id", UUID, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("weekday", sa.SmallInteger, nullable=False),
    sa.Column("hour", sa.SmallInteger, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("recipient_ids", postgresql.ARRAY(UUID)),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_report_schedules_team_id", "team_id"),
)

report_schedule_runs = sa.Table(
    "report_schedule_runs",
    metadata,
    sa.Column(
        "schedule_id",
        UUID,
        sa.ForeignKey(f"{SCHEMA}.report_schedules.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("report_id", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("sent_at", TIMESTAMP),
    sa.Column("outcome", sa.Text),
    sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
    sa.Index(
        "ix_report_schedule_runs_unsent", "created_at", postgresql_where=sa.text("sent_at IS NULL")
    ),
)
"""One row per schedule and week: claiming it is what makes a week's report happen once."""

rebuild_state = sa.Table(
    "rebuild_state",
    metadata,
    sa.Column("id", sa.SmallInteger, primary_key=True),
    sa.Column("state", sa.Text, nullable=False),
    sa.Column("changed_at", TIMESTAMP, nullable=False),
)
"""One row: `idle`, or `collecting` while a rebuild fills the `*_next` tables (ADR 0021)."""

COUNTER_TABLES = (hourly_counters, cycle_histogram, dimension_counters, due_counters)
READ_MODEL_TABLES = (tasks, task_observations, *COUNTER_TABLES)
NEXT_SUFFIX = "_next"


@dataclass(frozen=True, slots=True)
class ModelTables:
    """One generation of the read model: the live tables, or the fresh `*_next` ones a
    rebuild fills before they replace them."""

    tasks: sa.Table
    task_observations: sa.Table
    hourly_counters: sa.Table
    cycle_histogram: sa.Table
    dimension_counters: sa.Table
    due_counters: sa.Table

    def all(self) -> tuple[sa.Table, ...]:
        return (
            self.tasks,
            self.task_observations,
            self.hourly_counters,
            self.cycle_histogram,
            self.dimension_counters,
            self.due_counters,
        )


LIVE = ModelTables(*READ_MODEL_TABLES)
_next_metadata = sa.MetaData(schema=SCHEMA)
NEXT = ModelTables(
    *(
        table.to_metadata(_next_metadata, name=table.name + NEXT_SUFFIX)
        for table in READ_MODEL_TABLES
    )
)

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
