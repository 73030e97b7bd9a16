"""UpdateProfile: PUT/PATCH of a profile, by its owner or an admin. The profile records its
own events (updated, deactivated)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.application.actors import load_actor
from users_service.application.ports import Clock, UnitOfWorkFactory, UsersUnitOfWork
from users_service.application.results import ProfileView
from users_service.domain.errors import ProfileNotFound, StaleVersion
from users_service.domain.model import Profile, ProfileChanges
from users_service.domain.permissions import Actor, check_may_update_profile


@dataclass(frozen=True, slots=True)
class UpdateProfile:
    actor_id: uuid.UUID
    user_id: uuid.UUID
    changes: ProfileChanges
    expected_version: int | None = None
    """From If-Match: refuse (412) unless the profile is still at this version."""


def lock_profile_for_change(uow: UsersUnitOfWork, actor: Actor, command: UpdateProfile) -> Profile:
    """The locked profile, once the actor may make these changes to it at this version."""
    profile = uow.profiles.get_for_update(command.user_id)
    if profile is None:
        raise ProfileNotFound(str(command.user_id))
    check_may_update_profile(actor, profile, command.changes)
    if command.expected_version is not None and command.expected_version != profile.version:
        raise StaleVersion(profile.version)
    return profile


@dataclass(frozen=True, slots=True)
class UpdateProfileHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: UpdateProfile) -> ProfileView:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            profile = lock_profile_for_change(uow, actor, command)
            changed = profile.apply(command.changes, self.clock.now(), by=actor.user_id)
            team_ids = uow.teams.team_ids_of([profile.id]).get(profile.id, [])
            if changed:
                uow.commit()  # an unchanged profile is neither written nor announced
            return ProfileView.of(profile, team_ids, actor)
