"""The caller of a use case, as this service's replica of users describes them."""

from __future__ import annotations

import uuid

from tasks_service.application.ports import ActorRecord
from tasks_service.domain.permissions import Actor, Role


def actor_of(user_id: uuid.UUID, record: ActorRecord) -> Actor:
    """Role and status from the replica (users owns them, not the token); a caller the
    replica does not know yet (registered a moment ago) is an active member. Deactivated
    callers are refused."""
    actor = Actor(
        user_id=user_id,
        role=Role(record.role) if record.role else Role.MEMBER,
        is_active=record.is_active,
        team_ids=frozenset(record.team_ids),
    )
    actor.ensure_active()
    return actor
