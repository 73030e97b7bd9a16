"""The weekly overtime e-mail's log: one row per manager and week (sent once).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "timetracking"


def upgrade() -> None:
    op.create_table(
        "overtime_reports",
        sa.Column("manager_id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("week_start", sa.Date, primary_key=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("overtime_reports", schema=SCHEMA)
