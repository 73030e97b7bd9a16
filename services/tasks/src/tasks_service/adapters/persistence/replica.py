"""The users/teams replica: upserts that keep only newer versions, in the consumer's
transaction; and the caller's role, status and teams for every request."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import (
    replica_team_members,
    replica_teams,
    replica_users,
)
from tasks_service.adapters.persistence.task_sql import ACTOR
from tasks_service.application.ports import ActorRecord, ReplicaTeam, ReplicaUser
from tasks_service.domain.notifications import Recipient


class SqlAlchemyUserReplica:
    def __init__(self, session: Session) -> None:
        self._session = session

    def upsert_user(self, user: ReplicaUser) -> bool:
        insert = postgresql.insert(replica_users).values(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            role=user.role,
            is_active=user.is_active,
            version=user.version,
            updated_at=user.updated_at,
            timezone=user.timezone,
            notification_preferences=dict(user.notification_preferences),
            available=user.available,
        )
        stored = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[replica_users.c.id],
                set_={
                    name: insert.excluded[name]
                    for name in (
                        "username",
                        "display_name",
                        "email",
                        "role",
                        "is_active",
                        "version",
                        "updated_at",
                        "timezone",
                        "notification_preferences",
                        "available",
                    )
                },
                where=replica_users.c.version < insert.excluded.version,
            ).returning(replica_users.c.id)
        ).first()
        return stored is not None

    def deactivate_user(self, user_id: uuid.UUID, version: int) -> bool:
        # `deactivated` carries the version of the change it belongs to, whose full `updated`
        # may arrive after it: it flips the status only and leaves the version to that event.
        result = self._session.execute(
            replica_users.update()
            .where(replica_users.c.id == user_id, replica_users.c.version <= version)
            .values(is_active=False)
            .returning(replica_users.c.id)
        ).first()
        return result is not None

    def _replace_members(self, team_id: uuid.UUID, member_ids: Sequence[uuid.UUID]) -> None:
        self._session.execute(
            replica_team_members.delete().where(replica_team_members.c.team_id == team_id)
        )
        if member_ids:
            self._session.execute(
                replica_team_members.insert().values(
                    [{"team_id": team_id, "user_id": user_id} for user_id in member_ids]
                )
            )

    def _upsert_team(self, team_id: uuid.UUID, name: str, version: int, deleted: bool) -> bool:
        insert = postgresql.insert(replica_teams).values(
            id=team_id, name=name, version=version, is_deleted=deleted
        )
        stored = self._session.execute(
            insert.on_conflict_do_update(
                index_elements=[replica_teams.c.id],
                set_={
                    "name": insert.excluded.name,
                    "version": insert.excluded.version,
                    "is_deleted": insert.excluded.is_deleted,
                },
                where=replica_teams.c.version < insert.excluded.version,
            ).returning(replica_teams.c.id)
        ).first()
        return stored is not None

    def upsert_team(self, team: ReplicaTeam) -> bool:
        if not self._upsert_team(team.id, team.name, team.version, deleted=False):
            return False
        self._replace_members(team.id, list(dict.fromkeys(team.member_ids)))
        return True

    def delete_team(self, team_id: uuid.UUID, version: int) -> bool:
        # A tombstone: an older `updated` arriving late must not bring the team back.
        if not self._upsert_team(team_id, "", version, deleted=True):
            return False
        self._replace_members(team_id, [])
        return True

    def actor(self, user_id: uuid.UUID) -> ActorRecord:
        role, is_active, team_ids = (
            self._session.connection().exec_driver_sql(ACTOR, {"id": user_id}).one()
        )
        return ActorRecord(
            role=role, is_active=True if is_active is None else is_active, team_ids=tuple(team_ids)
        )

    def active_user_ids(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        rows = self._session.execute(
            sa.select(replica_users.c.id).where(
                replica_users.c.id.in_(list(user_ids)), replica_users.c.is_active.is_(True)
            )
        )
        return {row.id for row in rows}

    def team_exists(self, team_id: uuid.UUID) -> bool:
        found = self._session.execute(
            sa.select(sa.literal(1)).where(
                replica_teams.c.id == team_id, replica_teams.c.is_deleted.is_(False)
            )
        ).first()
        return found is not None

    def recipients(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        if not user_ids:
            return {}
        rows = self._session.execute(
            sa.select(
                replica_users.c.id,
                replica_users.c.email,
                replica_users.c.display_name,
                replica_users.c.timezone,
                replica_users.c.is_active,
                replica_users.c.notification_preferences,
            ).where(replica_users.c.id.in_(list(user_ids)))
        )
        return {
            row.id: Recipient(
                user_id=row.id,
                email=row.email,
                display_name=row.display_name,
                timezone=row.timezone,
                is_active=row.is_active,
                preferences=dict(row.notification_preferences),
            )
            for row in rows
        }
