"""Export and import jobs (ADR 0026): one row per job, its status, progress, counts and the
per-row errors of an import. The files themselves live in the file store, not here.

An import is idempotent per file: one live (not failed) real import per owner and content hash.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = "tasks"
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "file_jobs",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("owner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("params", postgresql.JSONB, nullable=False),
        sa.Column("file_key", sa.Text),
        sa.Column("file_sha256", sa.Text),
        sa.Column("dry_run", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
        sa.Column("total", sa.Integer),
        sa.Column("counts", postgresql.JSONB, nullable=False),
        sa.Column("errors", postgresql.JSONB, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("started_at", TIMESTAMP),
        sa.Column("finished_at", TIMESTAMP),
        sa.CheckConstraint("kind IN ('export', 'import')", name="ck_file_jobs_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'running', 'done', 'failed')", name="ck_file_jobs_status"
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_file_jobs_owner", "file_jobs", ["owner_id", sa.text("created_at DESC")], schema=SCHEMA
    )
    op.create_index(
        "uq_file_jobs_import_file",
        "file_jobs",
        ["owner_id", "file_sha256"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("kind = 'import' AND NOT dry_run AND status <> 'failed'"),
    )


def downgrade() -> None:
    op.drop_table("file_jobs", schema=SCHEMA)
