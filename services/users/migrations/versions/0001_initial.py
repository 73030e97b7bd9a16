"""Profiles, teams, memberships, idempotency keys, outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
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

SCHEMA = "users"
UUID = postgresql.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("email", sa.Text, nullable=False),
        sa.Column("first_name", sa.Text, nullable=False, server_default=""),
        sa.Column("last_name", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.Text, nullable=False, server_default="member"),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("timezone", sa.Text, nullable=False, server_default="UTC"),
        sa.Column("notification_preferences", postgresql.JSONB, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("role IN ('admin', 'manager', 'member')", name="ck_profiles_role"),
        sa.CheckConstraint("char_length(first_name) <= 100", name="ck_profiles_first_name"),
        sa.CheckConstraint("char_length(last_name) <= 100", name="ck_profiles_last_name"),
        sa.CheckConstraint("version >= 1", name="ck_profiles_version"),
        sa.CheckConstraint(
            "jsonb_typeof(notification_preferences) = 'object'",
            name="ck_profiles_notification_preferences",
        ),
        schema=SCHEMA,
    )
    # The directory's keyset order: (lower(username), id).
    op.create_index(
        "ix_profiles_username_order",
        "profiles",
        [sa.text("lower(username)"), "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "teams",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", UUID, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.CheckConstraint("char_length(name) BETWEEN 1 AND 100", name="ck_teams_name"),
        sa.CheckConstraint("char_length(description) <= 2000", name="ck_teams_description"),
        sa.CheckConstraint("version >= 1", name="ck_teams_version"),
        schema=SCHEMA,
    )
    # Case-insensitive uniqueness; the same expression (plus id) is the list's keyset order.
    op.create_index(
        "uq_teams_name_lower", "teams", [sa.text("lower(name)")], unique=True, schema=SCHEMA
    )
    op.create_table(
        "team_memberships",
        sa.Column("team_id", UUID, sa.ForeignKey(f"{SCHEMA}.teams.id"), primary_key=True),
        sa.Column("user_id", UUID, sa.ForeignKey(f"{SCHEMA}.profiles.id"), primary_key=True),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("added_by", UUID, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_team_memberships_user", "team_memberships", ["user_id"], schema=SCHEMA)
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
    # For purging expired keys.
    op.create_index(
        "ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], schema=SCHEMA
    )
    create_outbox_table_v1(SCHEMA)
    create_inbox_table_v1(SCHEMA)


def downgrade() -> None:
    op.drop_table("inbox", schema=SCHEMA)
    op.drop_table("outbox", schema=SCHEMA)
    op.drop_table("idempotency_keys", schema=SCHEMA)
    op.drop_table("team_memberships", schema=SCHEMA)
    op.drop_table("teams", schema=SCHEMA)
    op.drop_table("profiles", schema=SCHEMA)
