"""PublishSnapshots: re-announce every profile and team, so replicas can be rebuilt.

Each batch is one transaction: a long run holds no lock and no huge transaction, and an
interrupted run can simply be started again (replicas keep the newest version).

The snapshots are recorded on the loaded aggregates (`republish`), not written to the outbox
here: their payloads are then built by the same translator as every other users event
(application.recording), a snapshot can never drift from a live `*.updated.v1`, and the
users' team ids of a batch still come from one lookup. It costs one method per aggregate.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from users_service.application.ports import Clock, UnitOfWorkFactory, UsersUnitOfWork
from users_service.domain.model import Profile, Team

BatchAfter = Callable[[UsersUnitOfWork, uuid.UUID | None], Sequence[Profile | Team]]


@dataclass(frozen=True, slots=True)
class SnapshotCounts:
    profiles: int
    teams: int


@dataclass(frozen=True, slots=True)
class PublishSnapshotsHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, batch_size: int = 500) -> SnapshotCounts:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        return SnapshotCounts(
            profiles=self._republish(
                lambda uow, after: uow.profiles.batch_after(after, batch_size)
            ),
            teams=self._republish(lambda uow, after: uow.teams.batch_after(after, batch_size)),
        )

    def _republish(self, batch_after: BatchAfter) -> int:
        """Every aggregate `batch_after` hands out, in id order, one transaction per batch."""
        published = 0
        after: uuid.UUID | None = None
        while True:
            with self.uow() as uow:
                batch = batch_after(uow, after)
                if not batch:
                    return published
                now = self.clock.now()
                for aggregate in batch:
                    aggregate.republish(now)
                uow.commit()
            published += len(batch)
            after = batch[-1].id
