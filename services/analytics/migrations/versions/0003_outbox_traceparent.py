"""The outbox row keeps the W3C traceparent of the request that wrote it, so that the relay's
publish, the consumer and the jobs it starts continue one trace (ADR 0025).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

from taskhive_shared.events.outbox import add_outbox_traceparent, drop_outbox_traceparent

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "analytics"


def upgrade() -> None:
    add_outbox_traceparent(SCHEMA)


def downgrade() -> None:
    drop_outbox_traceparent(SCHEMA)
