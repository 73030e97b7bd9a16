"""The caller as the rules see them: the token's id and role, their teams from the replica."""

from __future__ import annotations

import uuid

from timetracking_service.application.ports import TimeUnitOfWork
from timetracking_service.domain.errors import PermissionDenied
from timetracking_service.domain.model import Actor, Role


def actor_of(uow: TimeUnitOfWork, user_id: uuid.UUID, role: str) -> Actor:
    try:
        token_role = Role(role)
    except ValueError as exc:
        raise PermissionDenied("The token carries an unknown role.") from exc
    member = uow.members.get(user_id)
    teams = member.team_ids if member is not None else frozenset()
    return Actor(user_id=user_id, role=token_role, team_ids=teams)
