"""Rebuilding the read model from snapshots into fresh tables, then switching over (ADR 0021).

`start` creates empty `*_next` copies of the task model and counter tables and marks the
rebuild `collecting`: from then on the consumer applies every task event to both generations.
The operator then runs `tasks-service publish-snapshots`; the snapshots fill the fresh tables
(order-independent, like every event). `switch` replaces the live tables with the fresh ones
in one transaction. DDL, hence the migrator role (the schema's owner).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import Engine

from analytics_service.adapters.persistence.tables import (
    LIVE,
    NEXT,
    SCHEMA,
    rebuild_state,
)
from analytics_service.domain.errors import NoRebuildCollecting


def _name(table: sa.Table) -> str:
    return f'"{SCHEMA}"."{table.name}"'


class SqlAlchemyRebuild:
    def __init__(self, migrator_engine: Engine) -> None:
        self._engine = migrator_engine

    def state(self) -> str:
        with self._engine.connect() as connection:
            return str(
                connection.scalar(sa.select(rebuild_state.c.state).where(rebuild_state.c.id == 1))
            )

    def start(self) -> None:
        """Fresh, empty `*_next` tables (a previous unfinished rebuild's are dropped)."""
        with self._engine.begin() as connection:
            self._lock_state(connection)
            for live, fresh in zip(LIVE.all(), NEXT.all(), strict=True):
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {_name(fresh)}"))
                connection.execute(
                    sa.text(f"CREATE TABLE {_name(fresh)} (LIKE {_name(live)} INCLUDING ALL)")
                )
            self._set(connection, "collecting")

    def switch(self) -> None:
        """The fresh tables become the live ones; the old ones are dropped."""
        with self._engine.begin() as connection:
            if self._lock_state(connection) != "collecting":
                raise NoRebuildCollecting("no rebuild is collecting: run `rebuild start` first")
            for live, fresh in zip(LIVE.all(), NEXT.all(), strict=True):
                connection.execute(sa.text(f"DROP TABLE {_name(live)}"))
                connection.execute(sa.text(f'ALTER TABLE {_name(fresh)} RENAME TO "{live.name}"'))
            self._set(connection, "idle")

    def abort(self) -> None:
        with self._engine.begin() as connection:
            self._lock_state(connection)
            for fresh in NEXT.all():
                connection.execute(sa.text(f"DROP TABLE IF EXISTS {_name(fresh)}"))
            self._set(connection, "idle")

    @staticmethod
    def _lock_state(connection: sa.Connection) -> str:
        # Waits for every consumer transaction holding the row in share mode.
        return str(
            connection.scalar(
                sa.select(rebuild_state.c.state).where(rebuild_state.c.id == 1).with_for_update()
            )
        )

    @staticmethod
    def _set(connection: sa.Connection, state: str) -> None:
        connection.execute(
            rebuild_state.update()
            .where(rebuild_state.c.id == 1)
            .values(state=state, changed_at=datetime.now(UTC))
        )
