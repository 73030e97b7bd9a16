"""The instant each open task's stored score next changes, so that the score job touches only
the tasks whose score has changed since (ADR 0033), and the blockers a writer had to skip.

`score_changes_at` is computed with the score (`tasks.task_score_changes_at`, the same inputs):
the score is `round()` of priority + blocked tasks (integers) + due proximity + age, the last
two piecewise linear in time and never decreasing, so until the next bend of either (14 days
before the due date, the due date, 30 days after creation) the unrounded sum rises at a known
rate and the rounded score changes exactly when it reaches the next half point. The instant is
taken 1 ms early and floored to the millisecond (numeric noise only ever makes the job look
early, never late: early, it rescores to the same score and stores the next instant). Closed
and archived tasks never change (`infinity`). The default, `-infinity`, means "now": every row
that exists at the migration, and any row a path writes without computing it, is rescored by
the job's next run (the first run after this migration is a full one, once).

`score_rechecks` holds the blockers a task write could not rescore because another
transaction held them (`SKIP LOCKED`, ADR 0018): the job rescores them on its next run.

`score_refreshes` holds the moment of the job's last run: a run for an earlier moment sweeps
every open task instead (the stored instants look forward only).

A changed score formula must replace both functions and set `score_changes_at = '-infinity'`
on the open tasks (the next job run rescores them all).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SCHEMA = "tasks"

# One expression (no FROM, no CTE): PostgreSQL inlines the function into the statement that
# calls it, as it does tasks.task_score (a CTE version cost 44 µs a call, 20 times the score's).
# Only immutable operations: epoch seconds via `timestamptz - timestamptz` (an interval), the
# result via to_timestamp(double precision). `_TOTAL` is tasks.task_score's sum (0004), unrounded.
_S = "extract(epoch FROM at - to_timestamp(0))"
_DUE = "extract(epoch FROM due_date - to_timestamp(0))"
_BORN = "extract(epoch FROM created_at - to_timestamp(0))"
_RAMP, _RIPE = 14 * 86400, 30 * 86400
_TOTAL = """(
    CASE priority WHEN 'urgent' THEN 40 WHEN 'high' THEN 25 WHEN 'medium' THEN 10 ELSE 0 END
    + CASE
        WHEN due_date IS NULL THEN 0
        WHEN due_date <= at THEN 30
        ELSE greatest(0.0, 30.0 * (1.0 - extract(epoch FROM due_date - at) / (14 * 86400.0)))
      END
    + least(open_blocked, 5) * 4
    + 10.0 * least(1.0, greatest(0.0, extract(epoch FROM at - created_at) / (30 * 86400.0))))"""
# Points per second the sum gains at `at` (due ramp, age), and the next bend of each.
_RATE = f"""(CASE WHEN {_DUE} - {_RAMP} <= {_S} AND {_S} < {_DUE} THEN 30.0 / {_RAMP} ELSE 0 END
    + CASE WHEN {_BORN} <= {_S} AND {_S} < {_BORN} + {_RIPE} THEN 10.0 / {_RIPE} ELSE 0 END)"""
_NEXT = f"""least(
    CASE WHEN {_RATE} > 0 THEN {_S} + (round({_TOTAL}) + 0.5 - {_TOTAL}) / {_RATE} END,
    CASE WHEN {_S} < {_DUE} - {_RAMP} THEN {_DUE} - {_RAMP} WHEN {_S} < {_DUE} THEN {_DUE} END,
    CASE WHEN {_S} < {_BORN} THEN {_BORN}
         WHEN {_S} < {_BORN} + {_RIPE} THEN {_BORN} + {_RIPE} END)"""
TASK_SCORE_CHANGES_AT = f"""
CREATE FUNCTION tasks.task_score_changes_at(
    status text, priority text, due_date timestamptz, created_at timestamptz,
    is_archived boolean, open_blocked bigint, at timestamptz
) RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
SELECT CASE
    WHEN is_archived OR status IN ('done', 'cancelled') OR {_NEXT} IS NULL
    THEN 'infinity'::timestamptz
    ELSE to_timestamp(greatest(floor({_NEXT} * 1000 - 1) / 1000, {_S} + 0.000001)::float8)
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column(
            "score_changes_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.text("'-infinity'"),
        ),
        schema=SCHEMA,
    )
    op.execute(TASK_SCORE_CHANGES_AT)
    # The job's scan: open tasks whose score changes by its moment, soonest first, each batch
    # after the previous one's last (instant, id): never over the entries it left behind.
    op.create_index(
        "ix_tasks_score_changes_at",
        "tasks",
        ["score_changes_at", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("NOT is_archived AND status NOT IN ('done', 'cancelled')"),
    )
    op.create_table(
        "score_rechecks",
        # No foreign key: its check would take a KEY SHARE lock on the blocker, and wait for
        # the very transaction that made the writer skip it. The job deletes orphans.
        sa.Column("task_id", postgresql.UUID(as_uuid=True), primary_key=True),
        schema=SCHEMA,
    )

    # The moment of the job's last run: a run at an earlier moment (a clock set back, a job
    # run by hand for a past `now`) cannot trust the stored instants and sweeps every task.
    op.create_table(
        "score_refreshes",
        sa.Column("id", sa.Boolean, primary_key=True, server_default=sa.true()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id", name="ck_score_refreshes_one_row"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("score_refreshes", schema=SCHEMA)
    op.drop_table("score_rechecks", schema=SCHEMA)
    op.drop_index("ix_tasks_score_changes_at", "tasks", schema=SCHEMA)
    op.execute(
        "DROP FUNCTION tasks.task_score_changes_at(text, text, timestamptz, timestamptz, "
        "boolean, bigint, timestamptz)"
    )
    op.drop_column("tasks", "score_changes_at", schema=SCHEMA)
