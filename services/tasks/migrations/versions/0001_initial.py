"""Tasks, assignments, tags, comments, history, templates, the users/teams replica,
idempotency keys, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
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

SCHEMA = "tasks"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)
HOURS = sa.Numeric(8, 2)
STATUSES = "('todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled')"
PRIORITIES = "('low', 'medium', 'high', 'urgent')"
# Ranks give the sort orders users expect (workflow order, urgency), not alphabetical ones.
STATUS_RANK = (
    "CASE status WHEN 'todo' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'in_review' THEN 2 "
    "WHEN 'blocked' THEN 3 WHEN 'done' THEN 4 ELSE 5 END"
)
PRIORITY_RANK = "CASE priority WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 ELSE 3 END"
SEARCH_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, description), 'B')"
)


def _tasks() -> None:
    op.create_table(
        "tasks",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("status_rank", sa.SmallInteger, sa.Computed(STATUS_RANK, persisted=True)),
        sa.Column("priority_rank", sa.SmallInteger, sa.Computed(PRIORITY_RANK, persisted=True)),
        sa.Column("due_date", TS),
        sa.Column("estimated_hours", HOURS),
        sa.Column("actual_hours", HOURS),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("team_id", UUID),
        sa.Column(
            "parent_task_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.tasks.id", ondelete="SET NULL"),
        ),
        sa.Column("metadata", postgresql.JSONB, nullable=False, server_default="{}"),
        sa.Column("is_archived", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("archived_at", TS),
        sa.Column("is_overdue", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("search_vector", postgresql.TSVECTOR, sa.Computed(SEARCH_VECTOR, persisted=True)),
        sa.CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_tasks_title"),
        sa.CheckConstraint("char_length(description) <= 20000", name="ck_tasks_description"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="ck_tasks_status"),
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="ck_tasks_priority"),
        sa.CheckConstraint("estimated_hours >= 0", name="ck_tasks_estimated_hours"),
        sa.CheckConstraint("actual_hours >= 0", name="ck_tasks_actual_hours"),
        sa.CheckConstraint("jsonb_typeof(metadata) = 'object'", name="ck_tasks_metadata"),
        sa.CheckConstraint("is_archived = (archived_at IS NOT NULL)", name="ck_tasks_archived"),
        sa.CheckConstraint("parent_task_id <> id", name="ck_tasks_parent_not_self"),
        sa.CheckConstraint("version >= 1", name="ck_tasks_version"),
        schema=SCHEMA,
    )
    # One index per orderable key, archived flag first: every keyset page of every sort is an
    # index range scan of `limit` rows, whatever the table's size.
    orders: dict[str, list[str]] = {
        "created": ["created_at DESC", "id DESC"],
        "updated": ["updated_at DESC", "id DESC"],
        "due_asc": ["coalesce(due_date, 'infinity'::timestamptz)", "id"],
        "due_desc": ["coalesce(due_date, '-infinity'::timestamptz) DESC", "id DESC"],
        "priority": ["priority_rank DESC", "id DESC"],
        "status": ["status_rank", "id"],
        "title": ["lower(title)", "id"],
    }
    for name, keys in orders.items():
        op.create_index(
            f"ix_tasks_{name}",
            "tasks",
            [sa.text(key) for key in ["is_archived", *keys]],
            schema=SCHEMA,
        )
    # The branches of a member's visibility (own tasks, team tasks) in the default order.
    op.create_index(
        "ix_tasks_creator",
        "tasks",
        [sa.text(k) for k in ("created_by", "is_archived", "created_at DESC", "id DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_tasks_team",
        "tasks",
        [sa.text(k) for k in ("team_id", "is_archived", "created_at DESC", "id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("team_id IS NOT NULL"),
    )
    op.create_index(
        "ix_tasks_parent",
        "tasks",
        [sa.text(k) for k in ("parent_task_id", "created_at DESC", "id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("parent_task_id IS NOT NULL"),
    )
    op.create_index(
        "ix_tasks_search", "tasks", ["search_vector"], schema=SCHEMA, postgresql_using="gin"
    )
    # For the overdue and due-soon jobs: open tasks by due date.
    op.create_index(
        "ix_tasks_open_due",
        "tasks",
        ["due_date"],
        schema=SCHEMA,
        postgresql_where=sa.text(
            "NOT is_archived AND due_date IS NOT NULL AND status NOT IN ('done', 'cancelled')"
        ),
    )
    op.create_index(
        "ix_tasks_overdue",
        "tasks",
        [sa.text("created_at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
        postgresql_where=sa.text("is_overdue AND NOT is_archived"),
    )
    # For the cleanup of long-archived tasks.
    op.create_index(
        "ix_tasks_archived_at",
        "tasks",
        ["archived_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("is_archived"),
    )


def task_fk() -> sa.ForeignKey:
    """Rows that belong to a task go with it when it is purged."""
    return sa.ForeignKey(f"{SCHEMA}.tasks.id", ondelete="CASCADE")


def _task_children() -> None:
    op.create_table(
        "task_assignments",
        sa.Column("task_id", UUID, task_fk(), primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        sa.Column("assigned_by", UUID, nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        # The task's creation time (immutable), so that "assigned to me, newest first" is an
        # index range scan of `limit` rows rather than a sort of all the user's assignments.
        sa.Column("task_created_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_task_assignments_user",
        "task_assignments",
        [sa.text(k) for k in ("user_id", "task_created_at DESC", "task_id DESC")],
        schema=SCHEMA,
    )
    op.create_table(
        "tags",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("colour", sa.Text, nullable=False),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 50", name="ck_tags_name"),
        sa.CheckConstraint("colour ~ '^#[0-9a-f]{6}$'", name="ck_tags_colour"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_tags_name_lower", "tags", [sa.text("lower(name)")], unique=True, schema=SCHEMA
    )
    op.create_table(
        "task_tags",
        sa.Column("task_id", UUID, task_fk(), primary_key=True),
        sa.Column("tag_id", UUID, sa.ForeignKey(f"{SCHEMA}.tags.id"), primary_key=True),
        schema=SCHEMA,
    )
    op.create_index("ix_task_tags_tag", "task_tags", ["tag_id", "task_id"], schema=SCHEMA)
    op.create_table(
        "comments",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("task_id", UUID, task_fk(), nullable=False),
        sa.Column("author_id", UUID, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("char_length(body) BETWEEN 1 AND 10000", name="ck_comments_body"),
        schema=SCHEMA,
    )
    op.create_index("ix_comments_task", "comments", ["task_id", "created_at", "id"], schema=SCHEMA)
    op.create_table(
        "task_history",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("task_id", UUID, task_fk(), nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("actor_id", UUID),
        sa.Column("at", TS, nullable=False),
        sa.Column("changes", postgresql.JSONB, nullable=False),
        sa.CheckConstraint("jsonb_typeof(changes) = 'object'", name="ck_task_history_changes"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_task_history_task",
        "task_history",
        [sa.text("task_id"), sa.text("at DESC"), sa.text("id DESC")],
        schema=SCHEMA,
    )


def _templates() -> None:
    op.create_table(
        "task_templates",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("priority", sa.Text, nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("estimated_hours", HOURS),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="ck_templates_name"),
        sa.CheckConstraint("char_length(title) BETWEEN 1 AND 200", name="ck_templates_title"),
        sa.CheckConstraint("char_length(description) <= 20000", name="ck_templates_description"),
        sa.CheckConstraint(f"priority IN {PRIORITIES}", name="ck_templates_priority"),
        sa.CheckConstraint("estimated_hours >= 0", name="ck_templates_estimated_hours"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_task_templates_name_lower",
        "task_templates",
        [sa.text("lower(name)")],
        unique=True,
        schema=SCHEMA,
    )


def _replica() -> None:
    """Users and teams as the users service announces them (DESIGN §6, replicas)."""
    op.create_table(
        "replica_users",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'manager', 'member')", name="ck_replica_users_role"),
        schema=SCHEMA,
    )
    op.create_table(
        "replica_teams",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_deleted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False),
        schema=SCHEMA,
    )
    # No foreign keys: a membership may arrive before the user it names.
    op.create_table(
        "replica_team_members",
        sa.Column("team_id", UUID, primary_key=True),
        sa.Column("user_id", UUID, primary_key=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_replica_team_members_user",
        "replica_team_members",
        ["user_id", "team_id"],
        schema=SCHEMA,
    )


def upgrade() -> None:
    _tasks()
    _task_children()
    _templates()
    _replica()
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
    create_outbox_table_v1(SCHEMA)
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    for table in (
        "inbox",
        "outbox",
        "idempotency_keys",
        "replica_team_members",
        "replica_teams",
        "replica_users",
        "task_templates",
        "task_history",
        "comments",
        "task_tags",
        "tags",
        "task_assignments",
        "tasks",
    ):
        op.drop_table(table, schema=SCHEMA)
