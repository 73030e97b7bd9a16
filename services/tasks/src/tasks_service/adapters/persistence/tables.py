"""SQLAlchemy Core tables of schema `tasks` (the migrations are the source of truth for DDL;
a test checks that they produce exactly these tables).

The task's own fields are columns named after their declaration on `TaskFields`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.inbox import inbox_table
from taskhive_shared.events.outbox import outbox_table
from taskhive_shared.idempotency import idempotency_table
from tasks_service.domain.fields import (
    Choice,
    FieldSpec,
    Flag,
    Hours,
    JsonObject,
    Moment,
    Recurrence,
    Reference,
    TagNames,
    Text,
    WholeNumber,
)
from tasks_service.domain.model import FIELDS

SCHEMA = "tasks"
metadata = sa.MetaData(schema=SCHEMA)
UUID = postgresql.UUID(as_uuid=True)
TIMESTAMP = sa.DateTime(timezone=True)
HOURS = sa.Numeric(8, 2)


def column_type(spec: FieldSpec) -> Any:
    """The column type of a declared task field (tags live in their own tables)."""
    match spec.kind:
        case Text() | Choice():
            return sa.Text
        case Moment():
            return TIMESTAMP
        case Hours():
            return HOURS
        case WholeNumber():
            return sa.Integer
        case Reference():
            return UUID
        case JsonObject() | Recurrence():
            return postgresql.JSONB
        case Flag():
            return sa.Boolean
    raise TypeError(f"{spec.name} has no column")


STORED_FIELDS = tuple(spec for spec in FIELDS if not isinstance(spec.kind, TagNames))
"""The declared fields that are columns of `tasks.tasks`, under their own names."""

# Generated columns (status_rank, priority_rank, search_vector) are read by the SQL of
# task_sql.py only and never written, so they are left out here.
tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    *(sa.Column(spec.name, column_type(spec), nullable=spec.nullable) for spec in STORED_FIELDS),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("is_archived", sa.Boolean, nullable=False),
    sa.Column("archived_at", TIMESTAMP),
    sa.Column("is_overdue", sa.Boolean, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("due_soon_notified_for", TIMESTAMP),
    # Recurring tasks (migration 0006): the series, and the occurrence this one begot.
    sa.Column("series_id", UUID),
    sa.Column("next_occurrence_id", UUID),
    # Written by SQL only (tasks.task_score, adapters/persistence/dependencies.py), never by the
    # aggregate: the score is derived, and changes with time alone.
    sa.Column("score", sa.SmallInteger, nullable=False),
    # Not declared: `score_changes_at` (migration 0010, ADR 0033), the instant the score next
    # changes, is read and written by the score SQL only (±infinity has no Python datetime).
)

task_dependencies = sa.Table(
    "task_dependencies",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("blocked_by_id", UUID, primary_key=True),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
)

# Blockers a task write could not rescore (another transaction held them): the score job
# rescores them (migration 0010, ADR 0033).
score_rechecks = sa.Table(
    "score_rechecks",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
)

# The moment of the score job's last run (one row; migration 0010, ADR 0033).
score_refreshes = sa.Table(
    "score_refreshes",
    metadata,
    sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
    sa.Column("at", TIMESTAMP, nullable=False),
    sa.CheckConstraint("id", name="ck_score_refreshes_one_row"),
)

task_assignments = sa.Table(
    "task_assignments",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("user_id", UUID, primary_key=True),
    sa.Column("assigned_by", UUID, nullable=False),
    sa.Column("assigned_at", TIMESTAMP, nullable=False),
    sa.Column("task_created_at", TIMESTAMP, nullable=False),
)

tags = sa.Table(
    "tags",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("colour", sa.Text, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
)

task_tags = sa.Table(
    "task_tags",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("tag_id", UUID, primary_key=True),
)

search_documents = sa.Table(
    "search_documents",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("document", postgresql.TSVECTOR, nullable=False),
)
"""Maintained by the database's triggers (migration 0005), read by the list's search."""

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("task_id", UUID, nullable=False),
    sa.Column("author_id", UUID, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

task_history = sa.Table(
    "task_history",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("task_id", UUID, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("actor_id", UUID),
    sa.Column("at", TIMESTAMP, nullable=False),
    sa.Column("changes", postgresql.JSONB, nullable=False),
)

task_templates = sa.Table(
    "task_templates",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("priority", sa.Text, nullable=False),
    sa.Column("tags", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("estimated_hours", HOURS),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

calendars = sa.Table(
    "calendars",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("working_days", postgresql.ARRAY(sa.SmallInteger), nullable=False),
    sa.Column("day_start", sa.Time, nullable=False),
    sa.Column("day_end", sa.Time, nullable=False),
    sa.Column("holidays", postgresql.ARRAY(sa.Date), nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

team_settings = sa.Table(
    "team_settings",
    metadata,
    sa.Column("team_id", UUID, primary_key=True),
    sa.Column("calendar_id", UUID),
    sa.Column("auto_assign", sa.Text, nullable=False),
    sa.Column("last_assigned_id", UUID),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

sla_policies = sa.Table(
    "sla_policies",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("priorities", postgresql.ARRAY(sa.Text), nullable=False),
    sa.Column("team_id", UUID),
    sa.Column("tag", sa.Text),
    sa.Column("response_hours", HOURS, nullable=False),
    sa.Column("resolution_hours", HOURS, nullable=False),
    sa.Column("created_by", UUID, nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

task_slas = sa.Table(
    "task_slas",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("started_at", TIMESTAMP, nullable=False),
    sa.Column("responded_at", TIMESTAMP),
    sa.Column("resolved_at", TIMESTAMP),
    sa.Column("paused_since", TIMESTAMP),
    sa.Column("paused", sa.Interval, nullable=False),
    sa.Column("policy_id", UUID),
    sa.Column("response_due", TIMESTAMP),
    sa.Column("resolution_due", TIMESTAMP),
    sa.Column("state", sa.Text),
    sa.Column("next_check_at", TIMESTAMP),
    sa.Column("at_risk_notified", sa.Boolean, nullable=False),
    sa.Column("breached_notified", sa.Boolean, nullable=False),
    sa.Column("matched_priority", sa.Text),
)
"""Each task's SLA clock under its policy (migration 0006; ADR 0020)."""
time_rollups = sa.Table(
    "time_rollups",
    metadata,
    sa.Column("task_id", UUID, primary_key=True),
    sa.Column("logged_minutes", sa.Integer, nullable=False),
    sa.Column("rollup_version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.CheckConstraint("logged_minutes >= 0", name="ck_time_rollups_logged_minutes"),
)

replica_users = sa.Table(
    "replica_users",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("username", sa.Text, nullable=False),
    sa.Column("display_name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("is_active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", TIMESTAMP, nullable=False),
    sa.Column("timezone", sa.Text, nullable=False),
    sa.Column("notification_preferences", postgresql.JSONB, nullable=False),
    sa.Column("available", sa.Boolean, nullable=False, server_default=sa.true()),
)

replica_teams = sa.Table(
    "replica_teams",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

replica_team_members = sa.Table(
    "replica_team_members",
    metadata,
    sa.Column("team_id", UUID, primary_key=True),
    sa.Column("user_id", UUID, primary_key=True),
)

idempotency_keys = idempotency_table(metadata)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("recipient_id", UUID, nullable=False),
    sa.Column("task_id", UUID),
    sa.Column("notification_type", sa.Text, nullable=False),
    sa.Column("occasion", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("recipient_email", sa.Text, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("context", postgresql.JSONB, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("last_error", sa.Text),
    sa.Column("last_attempt_at", TIMESTAMP),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("sent_at", TIMESTAMP),
)

file_jobs = sa.Table(
    "file_jobs",
    metadata,
    sa.Column("id", UUID, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("owner_id", UUID, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("format", sa.Text, nullable=False),
    sa.Column("params", postgresql.JSONB, nullable=False),
    sa.Column("file_key", sa.Text),
    sa.Column("file_sha256", sa.Text),
    sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer),
    sa.Column("counts", postgresql.JSONB, nullable=False),
    sa.Column("errors", postgresql.JSONB, nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("started_at", TIMESTAMP),
    sa.Column("finished_at", TIMESTAMP),
    sa.CheckConstraint("kind IN ('export', 'import')", name="ck_file_jobs_kind"),
    sa.CheckConstraint(
        "status IN ('pending', 'running', 'done', 'failed')", name="ck_file_jobs_status"
    ),
    sa.Index("ix_file_jobs_owner", "owner_id", sa.text("created_at DESC")),
    sa.Index(
        "uq_file_jobs_import_file",
        "owner_id",
        "file_sha256",
        unique=True,
        postgresql_where=sa.text("kind = 'import' AND NOT dry_run AND status <> 'failed'"),
    ),
)
"""Export and import jobs (ADR 0026); their files live in the file store."""

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
