"""Who sees whose figures: as in tasks (DESIGN §5), members see their own and their teams',
managers and admins everything."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

PRIVILEGED = frozenset({"manager", "admin"})


@dataclass(frozen=True, slots=True)
class Actor:
    id: uuid.UUID
    role: str
    timezone: str
    team_ids: frozenset[uuid.UUID]

    @property
    def sees_everything(self) -> bool:
        return self.role in PRIVILEGED

    def can_see_user(self, user_id: uuid.UUID) -> bool:
        return self.sees_everything or user_id == self.id

    def can_see_team(self, team_id: uuid.UUID) -> bool:
        return self.sees_everything or team_id in self.team_ids
