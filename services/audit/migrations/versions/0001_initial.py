"""Hash-chained audit records (append-only for the app role), the chain's anchor and head,
inbox, outbox (empty: audit publishes nothing; the relay is the shared skeleton's).

Revision ID: 0001
Revises:
Create Date: 2026-12-07
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

SCHEMA = "audit"
APP_ROLE = "audit_app"
TS = sa.DateTime(timezone=True)
GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "records",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("event_id", postgresql.UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("occurred_at", TS, nullable=False),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("resource_type", sa.Text, nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("actor_id", sa.Text),
        sa.Column("request_id", sa.Text),
        sa.Column("source_ip", sa.Text),
        sa.Column("details", postgresql.JSONB, nullable=False),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
        schema=SCHEMA,
    )
    for name, columns in (
        ("ix_records_actor", ["actor_id", "seq"]),
        ("ix_records_action", ["action", "seq"]),
        ("ix_records_resource", ["resource_type", "resource_id", "seq"]),
        ("ix_records_occurred", ["occurred_at"]),
    ):
        op.create_index(name, "records", columns, schema=SCHEMA)
    op.create_table(
        "chain",
        sa.Column("id", sa.SmallInteger, primary_key=True),
        sa.Column("anchor_seq", sa.BigInteger, nullable=False),
        sa.Column("anchor_hash", sa.Text, nullable=False),
        sa.Column("head_seq", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.Text, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_chain_single_row"),
        schema=SCHEMA,
    )
    op.bulk_insert(
        sa.table(
            "chain",
            sa.column("id"),
            sa.column("anchor_seq"),
            sa.column("anchor_hash"),
            sa.column("head_seq"),
            sa.column("head_hash"),
            schema=SCHEMA,
        ),
        [{"id": 1, "anchor_seq": 0, "anchor_hash": GENESIS, "head_seq": 0, "head_hash": GENESIS}],
    )
    create_inbox_table_v1(SCHEMA)
    create_outbox_table_v1(SCHEMA)
    # Append-only for the application: rows leave only through purge_records (retention),
    # which runs as this migration's owner and moves the chain's anchor with them.
    op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {SCHEMA}.records FROM {APP_ROLE}")
    op.execute(f"REVOKE DELETE, TRUNCATE ON {SCHEMA}.chain FROM {APP_ROLE}")
    op.execute(
        """
        CREATE FUNCTION audit.purge_records(cutoff timestamptz, max_rows integer)
        RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
        DECLARE
            last_seq bigint;
            last_hash text;
            dropped integer;
        BEGIN
            SELECT seq, hash INTO last_seq, last_hash FROM (
                SELECT seq, hash FROM audit.records
                WHERE recorded_at < cutoff ORDER BY seq LIMIT max_rows
            ) oldest ORDER BY seq DESC LIMIT 1;
            IF last_seq IS NULL THEN
                RETURN 0;
            END IF;
            -- Only a prefix of the chain: a record newer than the cutoff stops the purge.
            PERFORM 1 FROM audit.chain WHERE id = 1 FOR UPDATE;
            DELETE FROM audit.records WHERE seq <= last_seq;
            GET DIAGNOSTICS dropped = ROW_COUNT;
            UPDATE audit.chain SET anchor_seq = last_seq, anchor_hash = last_hash WHERE id = 1;
            RETURN dropped;
        END $$
        """
    )
    op.execute(f"REVOKE ALL ON FUNCTION {SCHEMA}.purge_records(timestamptz, integer) FROM PUBLIC")
    op.execute(
        f"GRANT EXECUTE ON FUNCTION {SCHEMA}.purge_records(timestamptz, integer) TO {APP_ROLE}"
    )


def downgrade() -> None:
    op.execute(f"DROP FUNCTION {SCHEMA}.purge_records(timestamptz, integer)")
    for table in ("outbox", "inbox", "chain", "records"):
        op.drop_table(table, schema=SCHEMA)
