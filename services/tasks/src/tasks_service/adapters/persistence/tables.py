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
    Hours,
    JsonObject,
    Moment,
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
        case JsonObject():
            return postgresql.JSONB
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

outbox = outbox_table(metadata, SCHEMA)
inbox = inbox_table(metadata, SCHEMA)
