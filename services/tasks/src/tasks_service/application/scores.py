"""RefreshScores: the periodic job that keeps the stored score true as time passes (due
dates come closer, tasks age). Writes rescore their own task at once; this sweeps the rest.
Idempotent: a second run at the same moment changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tasks_service.application.ports import Clock, UnitOfWorkFactory

BATCH = 1000
_START = uuid.UUID(int=0)


@dataclass(frozen=True, slots=True)
class RefreshScores:
    uow: UnitOfWorkFactory
    clock: Clock
    batch: int = BATCH

    def __call__(self, now: datetime | None = None) -> int:
        """Rescore every open task in id order, one short transaction per batch (never a
        long lock on the table); the number of scores that changed."""
        at = now or self.clock.now()
        after: uuid.UUID | None = _START
        changed = 0
        while after is not None:
            with self.uow() as uow:
                after, count = uow.dependencies.rescore(after, self.batch, at)
                uow.commit()
            changed += count
        return changed
