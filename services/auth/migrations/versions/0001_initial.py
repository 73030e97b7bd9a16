"""Accounts, refresh-token families and tokens, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from taskhive_shared.events.outbox import create_outbox_table_v1

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "auth"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False, server_default="member"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("role IN ('admin', 'manager', 'member')", name="ck_accounts_role"),
        sa.CheckConstraint("char_length(email) <= 254", name="ck_accounts_email_length"),
        sa.CheckConstraint("char_length(username) BETWEEN 3 AND 32", name="ck_accounts_username"),
        schema=SCHEMA,
    )
    # Case-insensitive uniqueness; the same expressions serve the login lookups.
    op.create_index(
        "uq_accounts_email_lower", "accounts", [sa.text("lower(email)")], unique=True, schema=SCHEMA
    )
    op.create_index(
        "uq_accounts_username_lower",
        "accounts",
        [sa.text("lower(username)")],
        unique=True,
        schema=SCHEMA,
    )
    op.create_table(
        "refresh_token_families",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "user_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("revoked_reason", sa.Text),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_refresh_token_families_user_active",
        "refresh_token_families",
        ["user_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("id", UUID, primary_key=True),
        sa.Column(
            "family_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.refresh_token_families.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user_id", UUID, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("issued_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("spent_at", TS),
        schema=SCHEMA,
    )
    op.create_index("ix_refresh_tokens_family", "refresh_tokens", ["family_id"], schema=SCHEMA)
    op.create_index("ix_refresh_tokens_expires", "refresh_tokens", ["expires_at"], schema=SCHEMA)
    create_outbox_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("refresh_tokens", schema=SCHEMA)
    op.drop_table("refresh_token_families", schema=SCHEMA)
    op.drop_table("accounts", schema=SCHEMA)
