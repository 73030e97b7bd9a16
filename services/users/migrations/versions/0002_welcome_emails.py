"""Welcome emails: one row per profile (claimed, sent, failed or skipped); profiles by age.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "users"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "welcome_emails",
        sa.Column(
            "user_id",
            UUID,
            sa.ForeignKey(f"{SCHEMA}.profiles.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("message_id", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'failed', 'skipped')", name="ck_welcome_emails_status"
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_welcome_emails_attempts"),
        sa.CheckConstraint(
            "(status = 'sent') = (sent_at IS NOT NULL)", name="ck_welcome_emails_sent_at"
        ),
        schema=SCHEMA,
    )
    # The sweeper looks for recent profiles without a sent welcome email.
    op.create_index("ix_profiles_created_at", "profiles", ["created_at"], schema=SCHEMA)
    # Accounts registered before this release are not welcomed now, days later.
    op.execute(
        f"INSERT INTO {SCHEMA}.welcome_emails "  # noqa: S608 (constant schema name)
        "(user_id, status, attempts, last_error, created_at, updated_at) "
        "SELECT id, 'skipped', 0, 'registered before welcome emails', now(), now() "
        f"FROM {SCHEMA}.profiles"
    )


def downgrade() -> None:
    op.drop_index("ix_profiles_created_at", table_name="profiles", schema=SCHEMA)
    op.drop_table("welcome_emails", schema=SCHEMA)
