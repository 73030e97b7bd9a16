"""UpdateTeam and DeleteTeam: managers and admins, conditional on the team's version. The
team records its own events (updated, deleted)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.application.actors import load_actor
from users_service.application.ports import Clock, UnitOfWorkFactory, UsersUnitOfWork
from users_service.application.results import TeamView
from users_service.domain.errors import StaleVersion, TeamNameTaken, TeamNotFound
from users_service.domain.model import Team
from users_service.domain.permissions import check_may_manage_teams


def lock_team_for_change(
    uow: UsersUnitOfWork, actor_id: uuid.UUID, team_id: uuid.UUID, expected_version: int | None
) -> tuple[uuid.UUID, Team]:
    """The checks every team write starts with; returns the actor's id and the locked team."""
    actor = load_actor(uow, actor_id)
    check_may_manage_teams(actor)
    team = uow.teams.get_for_update(team_id)
    if team is None:
        raise TeamNotFound(str(team_id))
    if expected_version is not None and expected_version != team.version:
        raise StaleVersion(team.version)
    return actor.user_id, team


def team_view(uow: UsersUnitOfWork, team: Team) -> TeamView:
    return TeamView.of(team, uow.profiles.usernames(team.member_ids) if team.members else {})


@dataclass(frozen=True, slots=True)
class UpdateTeam:
    actor_id: uuid.UUID
    team_id: uuid.UUID
    name: str | None = None
    description: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class UpdateTeamHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: UpdateTeam) -> TeamView:
        with self.uow() as uow:
            actor_id, team = lock_team_for_change(
                uow, command.actor_id, command.team_id, command.expected_version
            )
            changed = team.update(
                name=command.name, description=command.description, at=self.clock.now(), by=actor_id
            )
            if "name" in changed and uow.teams.name_taken(team.name, excluding=team.id):
                raise TeamNameTaken()
            if changed:
                uow.commit()  # an unchanged team is neither written nor announced
            return team_view(uow, team)


@dataclass(frozen=True, slots=True)
class DeleteTeam:
    actor_id: uuid.UUID
    team_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeleteTeamHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: DeleteTeam) -> None:
        with self.uow() as uow:
            actor_id, team = lock_team_for_change(
                uow, command.actor_id, command.team_id, command.expected_version
            )
            team.mark_deleted(self.clock.now(), by=actor_id)
            uow.commit()
