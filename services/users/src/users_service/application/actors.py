"""The caller of a use case, as this service's own profile table describes them."""

from __future__ import annotations

import uuid

from users_service.application.ports import UsersUnitOfWork
from users_service.domain.permissions import Actor, ensure_active


def load_actor(uow: UsersUnitOfWork, user_id: uuid.UUID) -> Actor:
    """Role and status from the profile (not the token); deactivated callers are refused."""
    actor = Actor.of(user_id, uow.profiles.get(user_id))
    ensure_active(actor)
    return actor
