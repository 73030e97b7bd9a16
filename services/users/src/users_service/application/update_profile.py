"""UpdateProfile: PUT/PATCH of a profile, by its owner or an admin."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from users_service.application.actors import load_actor
from users_service.application.integration import (
    USER_DEACTIVATED,
    USER_UPDATED,
    user_data,
    user_deactivated_data,
)
from users_service.application.ports import Clock, UnitOfWorkFactory
from users_service.application.results import ProfileView
from users_service.domain.errors import ProfileNotFound, StaleVersion
from users_service.domain.model import ProfileChanges
from users_service.domain.permissions import check_may_update_profile


@dataclass(frozen=True, slots=True)
class UpdateProfile:
    actor_id: uuid.UUID
    user_id: uuid.UUID
    changes: ProfileChanges
    expected_version: int | None = None
    """From If-Match: refuse (412) unless the profile is still at this version."""


@dataclass(frozen=True, slots=True)
class UpdateProfileHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: UpdateProfile) -> ProfileView:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            profile = uow.profiles.get_for_update(command.user_id)
            if profile is None:
                raise ProfileNotFound(str(command.user_id))
            check_may_update_profile(actor, profile, command.changes)
            if command.expected_version is not None and command.expected_version != profile.version:
                raise StaleVersion(profile.version)
            read_version = profile.version
            was_active = profile.is_active
            changed = profile.apply(command.changes, self.clock.now())
            team_ids = uow.teams.team_ids_of([profile.id]).get(profile.id, [])
            if changed:
                uow.profiles.save(profile, expected_version=read_version)
                uow.outbox.add_event(USER_UPDATED, str(profile.id), user_data(profile, team_ids))
                if was_active and not profile.is_active:
                    uow.outbox.add_event(
                        USER_DEACTIVATED,
                        str(profile.id),
                        user_deactivated_data(profile, actor.user_id),
                    )
                uow.commit()
            return ProfileView.of(profile, team_ids, actor)
