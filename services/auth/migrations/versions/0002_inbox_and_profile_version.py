"""Inbox for consumed users events; the profile version applied to each account.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from taskhive_shared.events.inbox import create_inbox_table_v1

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "auth"


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("profile_version", sa.BigInteger, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_column("accounts", "profile_version", schema=SCHEMA)
