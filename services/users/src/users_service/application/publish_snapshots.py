"""PublishSnapshots: re-announce every profile and team, so replicas can be rebuilt.

Each batch is one transaction: a long run holds no lock and no huge transaction, and an
interrupted run can simply be started again (replicas keep the newest version).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.application.integration import TEAM_UPDATED, USER_UPDATED, team_data, user_data
from users_service.application.ports import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SnapshotCounts:
    profiles: int
    teams: int


@dataclass(frozen=True, slots=True)
class PublishSnapshotsHandler:
    uow: UnitOfWorkFactory

    def __call__(self, batch_size: int = 500) -> SnapshotCounts:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        return SnapshotCounts(profiles=self._profiles(batch_size), teams=self._teams(batch_size))

    def _profiles(self, batch_size: int) -> int:
        published = 0
        after: uuid.UUID | None = None
        while True:
            with self.uow() as uow:
                batch = uow.profiles.batch_after(after, batch_size)
                if not batch:
                    return published
                team_ids = uow.teams.team_ids_of([profile.id for profile in batch])
                for profile in batch:
                    uow.outbox.add_event(
                        USER_UPDATED,
                        str(profile.id),
                        user_data(profile, team_ids.get(profile.id, [])),
                    )
                uow.commit()
            published += len(batch)
            after = batch[-1].id

    def _teams(self, batch_size: int) -> int:
        published = 0
        after: uuid.UUID | None = None
        while True:
            with self.uow() as uow:
                batch = uow.teams.batch_after(after, batch_size)
                if not batch:
                    return published
                for team in batch:
                    uow.outbox.add_event(TEAM_UPDATED, str(team.id), team_data(team))
                uow.commit()
            published += len(batch)
            after = batch[-1].id
