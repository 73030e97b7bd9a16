"""PurgeArchivedTasks: hard-delete tasks archived long ago, announcing each deletion.

For the weekly cleanup job: a batch per transaction, so a long run holds no long lock and
an interrupted run can simply start again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tasks_service.application.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PurgeArchivedTasksHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, older_than: timedelta, batch_size: int = 500) -> int:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        now = self.clock.now()
        cutoff = now - older_than
        purged = 0
        while True:
            with self.uow() as uow:
                batch = uow.tasks.archived_before(cutoff, batch_size)
                for task in batch:
                    task.purge(now)
                uow.commit()
            purged += len(batch)
            if len(batch) < batch_size:
                return purged
