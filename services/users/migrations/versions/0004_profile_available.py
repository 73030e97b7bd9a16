"""A profile's `available` flag: false while the person is away, so the tasks service's
auto-assignment skips them (ADR 0020). Existing profiles are available.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "users"


def upgrade() -> None:
    op.add_column(
        "profiles",
        sa.Column("available", sa.Boolean, nullable=False, server_default=sa.true()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("profiles", "available", schema=SCHEMA)
