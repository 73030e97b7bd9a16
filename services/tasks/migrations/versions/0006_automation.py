"""Automation: working calendars, team automation settings, SLA policies and each task's
SLA clock (ADR 0020).

`task_slas.next_check_at` is the next instant the SLA state of a task changes by time alone
(at risk, breached); the escalation job reads only rows whose instant has come, through a
partial index, so a run costs what changes, not what is open.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = [
    # Auto-assignment skips people their profile marks unavailable (users.user.* events).
    "ALTER TABLE tasks.replica_users ADD COLUMN available boolean NOT NULL DEFAULT true",
    # Recurring tasks: the rule (a declared task field), the series, and the occurrence a task
    # begot (set once, under the task's lock: the next occurrence is made exactly once).
    "ALTER TABLE tasks.tasks ADD COLUMN recurrence jsonb",
    "ALTER TABLE tasks.tasks ADD COLUMN series_id uuid",
    "ALTER TABLE tasks.tasks ADD COLUMN next_occurrence_id uuid",
    """
CREATE INDEX ix_tasks_series ON tasks.tasks (series_id, created_at)
    WHERE series_id IS NOT NULL""",
    """
CREATE INDEX ix_tasks_recurring_due ON tasks.tasks (due_date)
    WHERE recurrence IS NOT NULL AND next_occurrence_id IS NULL AND NOT is_archived""",
    """
CREATE TABLE tasks.calendars (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    timezone text NOT NULL,
    working_days smallint[] NOT NULL,
    day_start time NOT NULL,
    day_end time NOT NULL,
    holidays date[] NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL
)""",
    """
CREATE TABLE tasks.team_settings (
    team_id uuid PRIMARY KEY,
    calendar_id uuid REFERENCES tasks.calendars (id),
    auto_assign text NOT NULL,
    last_assigned_id uuid,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL
)""",
    "CREATE INDEX ix_team_settings_calendar ON tasks.team_settings (calendar_id)",
    """
CREATE TABLE tasks.sla_policies (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    priorities text[] NOT NULL,
    team_id uuid,
    tag text,
    response_hours numeric(8, 2) NOT NULL,
    resolution_hours numeric(8, 2) NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    version integer NOT NULL
)""",
    """
CREATE TABLE tasks.task_slas (
    task_id uuid PRIMARY KEY REFERENCES tasks.tasks (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL,
    responded_at timestamptz,
    resolved_at timestamptz,
    paused_since timestamptz,
    paused interval NOT NULL,
    policy_id uuid,
    response_due timestamptz,
    resolution_due timestamptz,
    state text,
    next_check_at timestamptz,
    at_risk_notified boolean NOT NULL,
    breached_notified boolean NOT NULL,
    matched_priority text
)""",
    # Tasks older than this migration get a clock from what their row says (the moment
    # they left `todo` or were blocked is approximated by their last update).
    """
INSERT INTO tasks.task_slas (task_id, started_at, responded_at, resolved_at, paused_since,
                             paused, at_risk_notified, breached_notified)
SELECT id, created_at,
       CASE WHEN status <> 'todo' THEN updated_at END,
       CASE WHEN status IN ('done', 'cancelled') THEN updated_at END,
       CASE WHEN status = 'blocked' THEN updated_at END,
       interval '0', false, false
FROM tasks.tasks""",
    "CREATE INDEX ix_task_slas_policy ON tasks.task_slas (policy_id)",
    "CREATE INDEX ix_task_slas_state ON tasks.task_slas (state)",
    # The re-apply job walks the open clocks in id order.
    "CREATE INDEX ix_task_slas_open ON tasks.task_slas (task_id) WHERE resolved_at IS NULL",
    """
CREATE INDEX ix_task_slas_next_check ON tasks.task_slas (next_check_at)
    WHERE next_check_at IS NOT NULL""",
]

DOWNGRADE = [
    "DROP TABLE tasks.task_slas",
    "DROP TABLE tasks.sla_policies",
    "DROP TABLE tasks.team_settings",
    "DROP TABLE tasks.calendars",
    "DROP INDEX tasks.ix_tasks_recurring_due",
    "DROP INDEX tasks.ix_tasks_series",
    "ALTER TABLE tasks.tasks DROP COLUMN next_occurrence_id",
    "ALTER TABLE tasks.tasks DROP COLUMN series_id",
    "ALTER TABLE tasks.tasks DROP COLUMN recurrence",
    "ALTER TABLE tasks.replica_users DROP COLUMN available",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
