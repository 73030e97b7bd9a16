"""PostgreSQL repository of teams and their memberships, on the unit of work's session."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from users_service.adapters.persistence.profiles import utc
from users_service.adapters.persistence.tables import team_memberships, teams
from users_service.application.ports import TeamPosition, TeamSearch
from users_service.domain.errors import StaleVersion, TeamNameTaken
from users_service.domain.model import Membership, Team

NAME_KEY = sa.func.lower(teams.c.name)
NAME_INDEX = "uq_teams_name_lower"


def _team(row: Any, members: list[Membership]) -> Team:
    return Team(
        id=row.id,
        name=row.name,
        description=row.description,
        created_by=row.created_by,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
        members=members,
    )


class SqlAlchemyTeamRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[int, tuple[Team, int]] = {}
        """Each team handed out, by object (two reads of one row are two copies), with the
        version it was read or last saved at."""

    def _remember(self, team: Team) -> Team:
        self._seen[id(team)] = (team, team.version)
        return team

    def seen(self) -> list[tuple[Team, int]]:
        return list(self._seen.values())

    @contextmanager
    def _name_clash_is_taken(self) -> Iterator[None]:
        """A concurrent writer can take the name after our check; the unique index decides."""
        try:
            with self._session.begin_nested():
                yield
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
            if constraint == NAME_INDEX:
                raise TeamNameTaken() from exc
            raise

    def add(self, team: Team) -> None:
        with self._name_clash_is_taken():
            self._session.execute(
                teams.insert().values(
                    id=team.id,
                    name=team.name,
                    description=team.description,
                    created_by=team.created_by,
                    created_at=team.created_at,
                    updated_at=team.updated_at,
                    version=team.version,
                )
            )
        for membership in team.members:
            self.add_member(team.id, membership)
        self._remember(team)

    def _members(self, team_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Membership]]:
        found: dict[uuid.UUID, list[Membership]] = defaultdict(list)
        if not team_ids:
            return found
        rows = self._session.execute(
            sa.select(team_memberships)
            .where(team_memberships.c.team_id.in_(team_ids))
            .order_by(team_memberships.c.added_at, team_memberships.c.user_id)
        )
        for row in rows:
            found[row.team_id].append(
                Membership(user_id=row.user_id, added_at=utc(row.added_at), added_by=row.added_by)
            )
        return found

    def _one(self, query: sa.Select[Any]) -> Team | None:
        row = self._session.execute(query).first()
        if row is None:
            return None
        return self._remember(_team(row, self._members([row.id]).get(row.id, [])))

    def get(self, team_id: uuid.UUID) -> Team | None:
        return self._one(sa.select(teams).where(teams.c.id == team_id))

    def get_for_update(self, team_id: uuid.UUID) -> Team | None:
        return self._one(
            sa.select(teams).where(teams.c.id == team_id).with_for_update(key_share=True)
        )

    def name_taken(self, name: str, *, excluding: uuid.UUID | None = None) -> bool:
        query = sa.select(sa.literal(1)).where(sa.func.lower(name) == NAME_KEY)
        if excluding is not None:
            query = query.where(teams.c.id != excluding)
        return self._session.execute(query).first() is not None

    def _raise_stale(self, team_id: uuid.UUID) -> None:
        current = self._session.execute(
            sa.select(teams.c.version).where(teams.c.id == team_id)
        ).scalar_one_or_none()
        raise StaleVersion(current)

    def save(self, team: Team, *, expected_version: int) -> None:
        with self._name_clash_is_taken():
            result = self._session.execute(
                teams.update()
                .where(teams.c.id == team.id, teams.c.version == expected_version)
                .values(
                    name=team.name,
                    description=team.description,
                    updated_at=team.updated_at,
                    version=team.version,
                )
            )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            self._raise_stale(team.id)
        self._remember(team)

    def delete(self, team_id: uuid.UUID, *, expected_version: int) -> None:
        current = self._session.execute(
            sa.select(teams.c.version).where(teams.c.id == team_id).with_for_update()
        ).scalar_one_or_none()
        if current != expected_version:
            raise StaleVersion(current)
        self._session.execute(
            team_memberships.delete().where(team_memberships.c.team_id == team_id)
        )
        self._session.execute(teams.delete().where(teams.c.id == team_id))
        self._seen = {key: seen for key, seen in self._seen.items() if seen[0].id != team_id}

    def add_member(self, team_id: uuid.UUID, membership: Membership) -> None:
        self._session.execute(
            postgresql.insert(team_memberships)
            .values(
                team_id=team_id,
                user_id=membership.user_id,
                added_at=membership.added_at,
                added_by=membership.added_by,
            )
            .on_conflict_do_nothing(
                index_elements=[team_memberships.c.team_id, team_memberships.c.user_id]
            )
        )

    def remove_member(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
        self._session.execute(
            team_memberships.delete().where(
                team_memberships.c.team_id == team_id, team_memberships.c.user_id == user_id
            )
        )

    def team_ids_of(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
        if not user_ids:
            return {}
        rows = self._session.execute(
            sa.select(team_memberships.c.user_id, team_memberships.c.team_id)
            .where(team_memberships.c.user_id.in_(user_ids))
            .order_by(team_memberships.c.added_at, team_memberships.c.team_id)
        )
        for row in rows:
            found[row.user_id].append(row.team_id)
        return dict(found)

    def search(
        self, criteria: TeamSearch, after: TeamPosition | None, limit: int
    ) -> list[tuple[Team, TeamPosition]]:
        query = sa.select(teams, NAME_KEY.label("sort_key"))
        if criteria.text is not None:
            query = query.where(teams.c.name.icontains(criteria.text, autoescape=True))
        if criteria.member_id is not None:
            query = query.where(
                teams.c.id.in_(
                    sa.select(team_memberships.c.team_id).where(
                        team_memberships.c.user_id == criteria.member_id
                    )
                )
            )
        if after is not None:
            query = query.where(
                sa.tuple_(NAME_KEY, teams.c.id) > sa.tuple_(after.name_key, after.id)
            )
        rows = self._session.execute(query.order_by(NAME_KEY, teams.c.id).limit(limit)).all()
        members = self._members([row.id for row in rows])
        return [
            (
                self._remember(_team(row, members.get(row.id, []))),
                TeamPosition(row.sort_key, row.id),
            )
            for row in rows
        ]

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Team]:
        query = sa.select(teams).order_by(teams.c.id).limit(limit)
        if after is not None:
            query = query.where(teams.c.id > after)
        rows = self._session.execute(query).all()
        members = self._members([row.id for row in rows])
        return [self._remember(_team(row, members.get(row.id, []))) for row in rows]
