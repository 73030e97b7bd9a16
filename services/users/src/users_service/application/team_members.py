"""AddTeamMember and RemoveTeamMember: managers and admins; the team's version grows, and
the team records the member added or removed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.application.ports import Clock, UnitOfWorkFactory
from users_service.application.results import TeamView
from users_service.application.update_team import lock_team_for_change, team_view
from users_service.domain.errors import ValidationFailed


@dataclass(frozen=True, slots=True)
class AddTeamMember:
    actor_id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AddTeamMemberHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: AddTeamMember) -> TeamView:
        with self.uow() as uow:
            actor_id, team = lock_team_for_change(
                uow, command.actor_id, command.team_id, command.expected_version
            )
            member = uow.profiles.get(command.user_id)
            if member is None or not member.is_active:
                raise ValidationFailed.single("user_id", "No active user has this id.")
            team.add_member(command.user_id, by=actor_id, at=self.clock.now())
            uow.commit()
            return team_view(uow, team)


@dataclass(frozen=True, slots=True)
class RemoveTeamMember:
    actor_id: uuid.UUID
    team_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RemoveTeamMemberHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: RemoveTeamMember) -> TeamView:
        with self.uow() as uow:
            actor_id, team = lock_team_for_change(
                uow, command.actor_id, command.team_id, command.expected_version
            )
            team.remove_member(command.user_id, by=actor_id, at=self.clock.now())
            uow.commit()
            return team_view(uow, team)
