"""Integration events users publishes (contracts in shared/contracts/users.*.json).

User events carry everything other services replicate; team events carry the whole member
list, so a replica can apply any one of them without the ones before. `version` grows by
one per change of the aggregate: a replica keeps an event only if its version is newer.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from users_service.domain.model import Profile, Team

USER_CREATED = "users.user.created.v1"
USER_UPDATED = "users.user.updated.v1"
USER_DEACTIVATED = "users.user.deactivated.v1"
TEAM_CREATED = "users.team.created.v1"
TEAM_UPDATED = "users.team.updated.v1"
TEAM_DELETED = "users.team.deleted.v1"
TEAM_MEMBER_ADDED = "users.team.member_added.v1"
TEAM_MEMBER_REMOVED = "users.team.member_removed.v1"

EMITTED_TYPES = (
    USER_CREATED,
    USER_UPDATED,
    USER_DEACTIVATED,
    TEAM_CREATED,
    TEAM_UPDATED,
    TEAM_DELETED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
)


def timestamp(at: datetime) -> str:
    return at.isoformat()


def user_data(profile: Profile, team_ids: list[uuid.UUID]) -> dict[str, Any]:
    """`users.user.created.v1` and `users.user.updated.v1`: the full replicated profile."""
    return {
        "user_id": str(profile.id),
        "username": profile.username,
        "email": profile.email,
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "display_name": profile.display_name,
        "role": profile.role.value,
        "is_active": profile.is_active,
        "timezone": profile.timezone,
        "available": profile.available,
        "team_ids": [str(team_id) for team_id in team_ids],
        "notification_preferences": {
            kind.value: enabled for kind, enabled in profile.notification_preferences.items()
        },
        "version": profile.version,
        "created_at": timestamp(profile.created_at),
        "updated_at": timestamp(profile.updated_at),
    }


def user_deactivated_data(profile: Profile, by: uuid.UUID) -> dict[str, Any]:
    return {
        "user_id": str(profile.id),
        "deactivated_by": str(by),
        "deactivated_at": timestamp(profile.updated_at),
        "version": profile.version,
    }


def team_data(team: Team) -> dict[str, Any]:
    """`users.team.created.v1` and `users.team.updated.v1`."""
    return {
        "team_id": str(team.id),
        "name": team.name,
        "description": team.description,
        "member_ids": [str(member_id) for member_id in team.member_ids],
        "created_by": str(team.created_by),
        "version": team.version,
        "updated_at": timestamp(team.updated_at),
    }


def team_deleted_data(team: Team, by: uuid.UUID) -> dict[str, Any]:
    return {
        "team_id": str(team.id),
        "name": team.name,
        "member_ids": [str(member_id) for member_id in team.member_ids],
        "version": team.version,
        "deleted_by": str(by),
        "deleted_at": timestamp(team.updated_at),
    }


def team_member_data(team: Team, user_id: uuid.UUID, by: uuid.UUID) -> dict[str, Any]:
    """`users.team.member_added.v1` and `users.team.member_removed.v1`."""
    return {
        "team_id": str(team.id),
        "name": team.name,
        "member_ids": [str(member_id) for member_id in team.member_ids],
        "version": team.version,
        "user_id": str(user_id),
        "changed_by": str(by),
        "changed_at": timestamp(team.updated_at),
    }
