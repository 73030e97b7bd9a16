"""Dependencies between tasks, parents that complete with their subtasks, the computed score.

`task_dependencies` holds "task_id is blocked by blocked_by_id" edges (no cycles: the use
case checks under an advisory lock, ADR 0018). `score` is a stored, maintained column: its
formula is the function `tasks.task_score` (docs/API.md), evaluated on every write of a task
and refreshed by a periodic job, because due proximity and age change with time alone.

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

SCHEMA = "tasks"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)

# The score, 0-100 (docs/API.md "Score"): priority up to 40, due proximity up to 30 (full when
# due or overdue, falling linearly to 0 at 14 days away), open tasks it blocks 4 each up to
# 20, age up to 10 (full at 30 days). Closed and archived tasks score 0. IMMUTABLE: the
# moment is an argument, so the same inputs always give the same score.
TASK_SCORE = """
CREATE FUNCTION tasks.task_score(
    status text, priority text, due_date timestamptz, created_at timestamptz,
    is_archived boolean, open_blocked bigint, at timestamptz
) RETURNS smallint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE WHEN is_archived OR status IN ('done', 'cancelled') THEN 0::smallint
ELSE round(
    CASE priority WHEN 'urgent' THEN 40 WHEN 'high' THEN 25 WHEN 'medium' THEN 10 ELSE 0 END
    + CASE
        WHEN due_date IS NULL THEN 0
        WHEN due_date <= at THEN 30
        ELSE greatest(0.0, 30.0 * (1.0 - extract(epoch FROM due_date - at) / (14 * 86400.0)))
      END
    + least(open_blocked, 5) * 4
    + 10.0 * least(1.0, greatest(0.0, extract(epoch FROM at - created_at) / (30 * 86400.0)))
)::smallint END
$$
"""


def upgrade() -> None:
    op.create_table(
        "task_dependencies",
        sa.Column(
            "task_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.tasks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "blocked_by_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.tasks.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.CheckConstraint("task_id <> blocked_by_id", name="ck_task_dependencies_not_self"),
        schema=SCHEMA,
    )
    # "What does this task block": the other direction of the primary key.
    op.create_index(
        "ix_task_dependencies_blocked_by",
        "task_dependencies",
        ["blocked_by_id", "task_id"],
        schema=SCHEMA,
    )
    op.add_column(
        "tasks",
        sa.Column("auto_complete", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=SCHEMA,
    )
    op.add_column(
        "tasks",
        sa.Column("score", sa.SmallInteger, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.create_check_constraint("ck_tasks_score", "tasks", "score BETWEEN 0 AND 100", schema=SCHEMA)
    # sort=-score pages by an index range scan, like every other sort key (0001).
    op.create_index(
        "ix_tasks_score",
        "tasks",
        [sa.text(k) for k in ("is_archived", "score DESC", "id DESC")],
        schema=SCHEMA,
    )
    op.execute(TASK_SCORE)
    op.execute(
        "UPDATE tasks.tasks t SET score = tasks.task_score(t.status, t.priority, t.due_date, "
        "t.created_at, t.is_archived, 0, now()) WHERE NOT t.is_archived "
        "AND t.status NOT IN ('done', 'cancelled')"
    )


def downgrade() -> None:
    op.execute(
        "DROP FUNCTION tasks.task_score(text, text, timestamptz, timestamptz, boolean, "
        "bigint, timestamptz)"
    )
    op.drop_index("ix_tasks_score", "tasks", schema=SCHEMA)
    op.drop_constraint("ck_tasks_score", "tasks", schema=SCHEMA)
    op.drop_column("tasks", "score", schema=SCHEMA)
    op.drop_column("tasks", "auto_complete", schema=SCHEMA)
    op.drop_index("ix_task_dependencies_blocked_by", "task_dependencies", schema=SCHEMA)
    op.drop_table("task_dependencies", schema=SCHEMA)
