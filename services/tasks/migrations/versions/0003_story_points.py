"""Story points: a task's relative size (0-100), for velocity and planning.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "tasks"


def upgrade() -> None:
    op.add_column("tasks", sa.Column("story_points", sa.Integer), schema=SCHEMA)
    op.create_check_constraint(
        "ck_tasks_story_points", "tasks", "story_points BETWEEN 0 AND 100", schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_constraint("ck_tasks_story_points", "tasks", schema=SCHEMA)
    op.drop_column("tasks", "story_points", schema=SCHEMA)
