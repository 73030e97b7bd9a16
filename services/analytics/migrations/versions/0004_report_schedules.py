"""Weekly report schedules per team, their runs (one per schedule and week: the beat job's
exactly-once key), and the e-mail address in the users replica (where the links go).

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

SCHEMA = "analytics"
TS = sa.DateTime(timezone=True)
UUID = postgresql.UUID(as_uuid=True)


def upgrade() -> None:
    # Filled by the next users.user.* event of each user (or `users-service publish-snapshots`).
    op.add_column("users", sa.Column("email", sa.Text), schema=SCHEMA)
    op.create_table(
        "report_schedules",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("team_id", UUID, nullable=False),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("hour", sa.SmallInteger, nullable=False),
        sa.Column("timezone", sa.Text, nullable=False),
        sa.Column("recipient_ids", postgresql.ARRAY(UUID)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.CheckConstraint(
            "kind IN ('team_performance', 'tasks')", name="ck_report_schedules_kind"
        ),
        sa.CheckConstraint("format IN ('csv', 'xlsx', 'pdf')", name="ck_report_schedules_format"),
        sa.CheckConstraint("weekday BETWEEN 1 AND 7", name="ck_report_schedules_weekday"),
        sa.CheckConstraint("hour BETWEEN 0 AND 23", name="ck_report_schedules_hour"),
        schema=SCHEMA,
    )
    op.create_index("ix_report_schedules_team_id", "report_schedules", ["team_id"], schema=SCHEMA)
    op.create_table(
        "report_schedule_runs",
        sa.Column(
            "schedule_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.report_schedules.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        # The local date of the week's slot: a second claim of the same week conflicts here.
        sa.Column("period", sa.Date, primary_key=True),
        sa.Column("report_id", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.Column("outcome", sa.Text),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    # The delivery pass looks for claimed runs not yet sent.
    op.create_index(
        "ix_report_schedule_runs_unsent",
        "report_schedule_runs",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("sent_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("report_schedule_runs", schema=SCHEMA)
    op.drop_table("report_schedules", schema=SCHEMA)
    op.drop_column("users", "email", schema=SCHEMA)
