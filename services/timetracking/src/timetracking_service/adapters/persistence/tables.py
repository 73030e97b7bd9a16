"""The timetracking schema: entries, timesheets, preferences, the task and user replicas,
outbox and inbox. Migrations create exactly this (tests/integration/test_migrations.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table
from taskhive_shared.idempotency import idempotency_table

SCHEMA = "timetracking"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)

metadata = sa.MetaData(schema=SCHEMA)

entries = sa.Table(
    "entries",
    metadata,
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
    sa.Index("ix_entries_user_work_date", "user_id", "work_date", "id"),
    # The timesheets' scan (WEEK_GRIDS): every column it reads is in the index, so a team's
    # week is an index-only scan, no heap visit per entry.
    sa.Index(
        "ix_entries_user_week_cover",
        "user_id",
        "work_date",
        postgresql_include=["task_id", "started_at", "ended_at", "duration_minutes", "billable"],
        postgresql_where=sa.text("duration_minutes IS NOT NULL"),
    ),
    sa.Index("ix_entries_task", "task_id"),
    sa.Index("ix_entries_team_work_date", "team_id", "work_date"),
    sa.Index("ix_entries_work_date_id", "work_date", "id"),
    # At most one running timer per user, whatever races the application loses.
    sa.Index(
        "ux_entries_one_running_timer",
        "user_id",
        unique=True,
        postgresql_where=sa.text("started_at IS NOT NULL AND ended_at IS NULL"),
    ),
)

day_totals = sa.Table(
    "day_totals",
    metadata,
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("minutes", sa.Integer, nullable=False),
    sa.Column("billable_minutes", sa.Integer, nullable=False),
    sa.Column("entries", sa.Integer, nullable=False),
)
"""Finished minutes per (user, local day in the user's zone, task): what the timesheets read.
Written only by the database: triggers on `entries` add each write's change in its own
transaction, a zone change in `users` rebuilds the user's rows (migration 0005, ADR 0022)."""

timesheets = sa.Table(
    "timesheets",
    metadata,
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("submitted_at", TS),
    sa.Column("decided_by", UUID),
    sa.Column("decided_at", TS),
    sa.Column("reason", sa.Text),
    sa.CheckConstraint(
        "status IN ('open', 'submitted', 'approved', 'rejected')", name="ck_timesheets_status"
    ),
    sa.CheckConstraint("extract(isodow FROM week_start) = 1", name="ck_timesheets_monday"),
)

preferences = sa.Table(
    "preferences",
    metadata,
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("auto_tracking", sa.Boolean, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("team_id", UUID),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("assignee_ids", postgresql.ARRAY(UUID), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("is_archived", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("rollup_version", sa.BigInteger, nullable=False, server_default="0"),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("team_ids", postgresql.ARRAY(UUID), nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Index("ix_users_team_ids", "team_ids", postgresql_using="gin"),
)

overtime_reports = sa.Table(
    "overtime_reports",
    metadata,
    sa.Column("manager_id", UUID, primary_key=True),
    sa.Column("week_start", sa.Date, primary_key=True),
    sa.Column("sent_at", TS, nullable=False),
)
"""One row per manager and week: the weekly overtime e-mail goes once (the job's idempotency)."""

timesheet_history = sa.Table(
    "timesheet_history",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("user_id", UUID, nullable=False),
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("actor_id", UUID, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("at", TS, nullable=False),
    sa.Index("ix_timesheet_history_sheet", "user_id", "week_start", "id"),
)
"""Every step of every timesheet (submit, approve, reject, unlock) with who and why."""

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("calendar_id", UUID, primary_key=True),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("working_days", postgresql.ARRAY(sa.SmallInteger), nullable=False),
    sa.Column("day_start", sa.Time, nullable=False),
    sa.Column("day_end", sa.Time, nullable=False),
    sa.Column("holidays", postgresql.ARRAY(sa.Date), nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("version", sa.Integer, nullable=False),
)
"""Replica of the tasks service's working calendars (`tasks.calendar.*` events)."""

team_calendars = sa.Table(
    "team_calendars",
    metadata,
    sa.Column("team_id", UUID, primary_key=True),
    sa.Column("calendar_id", UUID),
    sa.Column("version", sa.Integer, nullable=False),
)
"""Which calendar each team works (`tasks.team_settings.updated.v1`)."""

idempotency_keys = idempotency_table(metadata)

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
