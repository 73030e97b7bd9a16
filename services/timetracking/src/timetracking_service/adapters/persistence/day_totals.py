"""The day totals' rebuild (the timesheets' minutes per user, local day and task).

The database keeps the totals itself (migration 0005): triggers on `entries` add every
write's change in the write's transaction, whoever writes; a user's zone change in the
replica rebuilds that user's rows. What is left to Python is the whole rebuild, for ops
(`timetracking-service rebuild-day-totals`) and the bench's bulk-loaded entries."""

from __future__ import annotations

import sqlalchemy as sa


def rebuild_day_totals(engine: sa.Engine) -> int:
    """Recompute every total from the entries in one transaction (writers wait for it, then
    add their changes to the rebuilt rows); returns the number of rows written."""
    with engine.begin() as connection:
        written = connection.execute(sa.text("SELECT timetracking.rebuild_day_totals()"))
        return int(written.scalar_one())
