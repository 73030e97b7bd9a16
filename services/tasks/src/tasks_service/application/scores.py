"""RefreshScores: the periodic job that keeps the stored score true as time passes (due
dates come closer, tasks age). Writes rescore their own task at once; this rescores the
tasks whose score changes by the job's moment (each row stores that instant, computed with
its score: ADR 0033) and the blockers a writer had to skip. Idempotent: a second run at the
same moment changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tasks_service.application.ports import Clock, ScoreCursor, UnitOfWorkFactory

BATCH = 1000
_START = uuid.UUID(int=0)
DUE_START: ScoreCursor = ("-infinity", _START)


@dataclass(frozen=True, slots=True)
class RefreshScores:
    uow: UnitOfWorkFactory
    clock: Clock
    batch: int = BATCH

    def __call__(self, now: datetime | None = None, full: bool = False) -> int:
        """The tasks whose score changes by `now`, soonest first, one short transaction
        per batch (never a long lock on the table); every open task in id order instead when
        `full` (for checking, or after an incident) or when `now` is before the last run's
        moment. The number of scores that changed."""
        at = now or self.clock.now()
        with self.uow() as uow:
            last = uow.dependencies.last_refresh()
        # The stored instants look forward: a moment before the last run's sweeps them all.
        changed = self._all(at) if full or (last is not None and at < last) else self._due(at)
        with self.uow() as uow:
            uow.dependencies.record_refresh(at)
            uow.commit()
        return changed

    def _due(self, at: datetime) -> int:
        cursor: ScoreCursor | None = DUE_START
        changed = 0
        while cursor is not None:
            with self.uow() as uow:
                cursor, count = uow.dependencies.rescore_due(self.batch, at, cursor)
                uow.commit()
            changed += count
        return changed

    def _all(self, at: datetime) -> int:
        after: uuid.UUID | None = _START
        changed = 0
        while after is not None:
            with self.uow() as uow:
                after, count = uow.dependencies.rescore(after, self.batch, at)
                uow.commit()
            changed += count
        return changed
