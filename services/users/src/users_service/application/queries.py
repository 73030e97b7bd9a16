"""Reads: the user directory, `me`, and teams, with keyset pagination and privacy applied."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from taskhive_shared.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    decode_cursor,
    encode_cursor,
)
from users_service.application.actors import load_actor
from users_service.application.ports import (
    ProfilePosition,
    ProfileSearch,
    TeamPosition,
    TeamSearch,
    UnitOfWorkFactory,
    UsersUnitOfWork,
)
from users_service.application.results import Page, ProfileView, TeamView
from users_service.domain.errors import ProfileNotFound, TeamNotFound, ValidationFailed
from users_service.domain.model import Role, Team
from users_service.domain.permissions import may_search_by_email

_BAD_CURSOR = "Not a cursor of this list; start again without one."


@dataclass(frozen=True, slots=True)
class ListUsers:
    actor_id: uuid.UUID
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    q: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    team_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ListTeams:
    actor_id: uuid.UUID
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    q: str | None = None
    member_id: uuid.UUID | None = None


def _position_fields(cursor: str, sort_key: str) -> tuple[str, uuid.UUID]:
    try:
        position = decode_cursor(cursor, {sort_key, "id"})
        key, raw_id = position[sort_key], position["id"]
        if not isinstance(key, str) or not isinstance(raw_id, str):
            raise InvalidCursor("cursor is not valid")
        return key, uuid.UUID(raw_id)
    except (InvalidCursor, ValueError) as exc:
        raise ValidationFailed.single("cursor", _BAD_CURSOR) from exc


def _check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed.single("limit", f"Must be between 1 and {MAX_LIMIT}.")


def _text(q: str | None) -> str | None:
    stripped = (q or "").strip()
    return stripped or None


def _team_views(uow: UsersUnitOfWork, teams: list[Team]) -> list[TeamView]:
    member_ids = list({member_id for team in teams for member_id in team.member_ids})
    usernames = uow.profiles.usernames(member_ids) if member_ids else {}
    return [TeamView.of(team, usernames) for team in teams]


@dataclass(frozen=True, slots=True)
class UserQueries:
    uow: UnitOfWorkFactory

    def get(self, actor_id: uuid.UUID, user_id: uuid.UUID) -> ProfileView:
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            profile = uow.profiles.get(user_id)
            if profile is None:
                raise ProfileNotFound(str(user_id))
            team_ids = uow.teams.team_ids_of([user_id]).get(user_id, [])
            return ProfileView.of(profile, team_ids, actor)

    def me(self, actor_id: uuid.UUID) -> ProfileView:
        """404 until the registration event has created the caller's profile."""
        return self.get(actor_id, actor_id)

    def list(self, query: ListUsers) -> Page[ProfileView]:
        _check_limit(query.limit)
        after = None
        if query.cursor is not None:
            key, last_id = _position_fields(query.cursor, "username")
            after = ProfilePosition(username_key=key, id=last_id)
        with self.uow() as uow:
            actor = load_actor(uow, query.actor_id)
            criteria = ProfileSearch(
                text=_text(query.q),
                include_email_in_text=may_search_by_email(actor),
                role=query.role,
                is_active=query.is_active,
                team_id=query.team_id,
            )
            rows = uow.profiles.search(criteria, after, query.limit + 1)
            page = rows[: query.limit]
            ids = [profile.id for profile, _ in page]
            team_ids = uow.teams.team_ids_of(ids) if ids else {}
            items = [ProfileView.of(p, team_ids.get(p.id, []), actor) for p, _ in page]
        next_cursor = None
        if len(rows) > query.limit:
            last = page[-1][1]
            next_cursor = encode_cursor({"username": last.username_key, "id": str(last.id)})
        return Page(items=items, next_cursor=next_cursor)


@dataclass(frozen=True, slots=True)
class TeamQueries:
    uow: UnitOfWorkFactory

    def get(self, actor_id: uuid.UUID, team_id: uuid.UUID) -> TeamView:
        with self.uow() as uow:
            load_actor(uow, actor_id)
            team = uow.teams.get(team_id)
            if team is None:
                raise TeamNotFound(str(team_id))
            return _team_views(uow, [team])[0]

    def list(self, query: ListTeams) -> Page[TeamView]:
        _check_limit(query.limit)
        after = None
        if query.cursor is not None:
            key, last_id = _position_fields(query.cursor, "name")
            after = TeamPosition(name_key=key, id=last_id)
        with self.uow() as uow:
            load_actor(uow, query.actor_id)
            criteria = TeamSearch(text=_text(query.q), member_id=query.member_id)
            rows = uow.teams.search(criteria, after, query.limit + 1)
            page = rows[: query.limit]
            items = _team_views(uow, [team for team, _ in page])
        next_cursor = None
        if len(rows) > query.limit:
            last = page[-1][1]
            next_cursor = encode_cursor({"name": last.name_key, "id": str(last.id)})
        return Page(items=items, next_cursor=next_cursor)
