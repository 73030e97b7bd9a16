"""PublishSnapshots: re-announce every task (`tasks.task.snapshot.v1`), so that a consumer
can rebuild its read model from them (analytics' `rebuild`; DESIGN §6, replicas).

One transaction per batch (no long lock, no huge transaction; an interrupted run can start
again). The task records the snapshot itself (`republish`) and the same translator as every
other task event writes it: a snapshot's summary cannot drift from a live event's. It carries
the status history from the history log, so that time-in-status, lead and cycle times can be
derived again exactly.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from tasks_service.application.ports import Clock, UnitOfWorkFactory
from tasks_service.domain.model import Task


def status_history(
    task: Task, moves: list[tuple[datetime, str, str]]
) -> list[tuple[datetime, str]]:
    """The status from creation on: the first move's old status (else today's) at creation,
    then each move's new status."""
    initial = moves[0][1] if moves else task.status.value
    return [(task.created_at, initial), *((at, new) for at, _, new in moves)]


@dataclass(frozen=True, slots=True)
class PublishTaskSnapshotsHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, batch_size: int = 500) -> int:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        published = 0
        after: uuid.UUID | None = None
        while True:
            with self.uow() as uow:
                batch = uow.tasks.batch_after(after, batch_size)
                if not batch:
                    return published
                moves = uow.history.status_moves([task.id for task in batch])
                now = self.clock.now()
                for task in batch:
                    task.republish(now, status_history(task, moves.get(task.id, [])))
                uow.commit()
            published += len(batch)
            after = batch[-1].id
