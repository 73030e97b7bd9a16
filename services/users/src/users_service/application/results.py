"""What the use cases hand back to the entrypoints (privacy already applied)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from users_service.domain.model import Profile, Team
from users_service.domain.permissions import Actor, may_see_email

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ProfileView:
    id: uuid.UUID
    username: str
    email: str | None
    first_name: str
    last_name: str
    display_name: str
    role: str
    is_active: bool
    timezone: str
    available: bool
    notification_preferences: dict[str, bool]
    team_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, profile: Profile, team_ids: list[uuid.UUID], viewer: Actor) -> ProfileView:
        return cls(
            id=profile.id,
            username=profile.username,
            email=profile.email if may_see_email(viewer, profile.id) else None,
            first_name=profile.first_name,
            last_name=profile.last_name,
            display_name=profile.display_name,
            role=profile.role.value,
            is_active=profile.is_active,
            timezone=profile.timezone,
            available=profile.available,
            notification_preferences={
                kind.value: enabled for kind, enabled in profile.notification_preferences.items()
            },
            team_ids=list(team_ids),
            created_at=profile.created_at,
            updated_at=profile.updated_at,
            version=profile.version,
        )


@dataclass(frozen=True, slots=True)
class MemberView:
    id: uuid.UUID
    username: str | None
    added_at: datetime


@dataclass(frozen=True, slots=True)
class TeamView:
    id: uuid.UUID
    name: str
    description: str
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int
    members: list[MemberView]

    @property
    def member_ids(self) -> list[uuid.UUID]:
        return [member.id for member in self.members]

    @classmethod
    def of(cls, team: Team, usernames: Mapping[uuid.UUID, str]) -> TeamView:
        return cls(
            id=team.id,
            name=team.name,
            description=team.description,
            created_by=team.created_by,
            created_at=team.created_at,
            updated_at=team.updated_at,
            version=team.version,
            members=[
                MemberView(id=m.user_id, username=usernames.get(m.user_id), added_at=m.added_at)
                for m in team.members
            ],
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
