"""PostgreSQL repository of profiles, on the unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from users_service.adapters.persistence.tables import profiles, team_memberships
from users_service.application.ports import ProfilePosition, ProfileSearch
from users_service.domain.errors import StaleVersion
from users_service.domain.model import (
    NotificationPreferences,
    NotificationType,
    Profile,
    Role,
    default_notification_preferences,
)

# The directory's order; the index `ix_profiles_username_order` serves it.
USERNAME_KEY = sa.func.lower(profiles.c.username)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _preferences(stored: dict[str, Any]) -> NotificationPreferences:
    """Types added after a row was written default to on; unknown stored keys are dropped."""
    preferences = default_notification_preferences()
    for kind in NotificationType:
        value = stored.get(kind.value)
        if isinstance(value, bool):
            preferences[kind] = value
    return preferences


def _profile(row: Any) -> Profile:
    return Profile(
        id=row.id,
        username=row.username,
        email=row.email,
        first_name=row.first_name,
        last_name=row.last_name,
        role=Role(row.role),
        is_active=row.is_active,
        timezone=row.timezone,
        notification_preferences=_preferences(row.notification_preferences),
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
        available=row.available,
    )


def _mutable_values(profile: Profile) -> dict[str, Any]:
    return {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "role": profile.role.value,
        "is_active": profile.is_active,
        "timezone": profile.timezone,
        "available": profile.available,
        "notification_preferences": {
            kind.value: enabled for kind, enabled in profile.notification_preferences.items()
        },
        "updated_at": profile.updated_at,
        "version": profile.version,
    }


class SqlAlchemyProfileRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[int, tuple[Profile, int]] = {}
        """Each profile handed out, by object (two reads of one row are two copies), with the
        version it was read or last saved at."""

    def _remember(self, profile: Profile) -> Profile:
        self._seen[id(profile)] = (profile, profile.version)
        return profile

    def seen(self) -> list[tuple[Profile, int]]:
        return list(self._seen.values())

    def add_if_absent(self, profile: Profile) -> bool:
        inserted = self._session.execute(
            postgresql.insert(profiles)
            .values(
                id=profile.id,
                username=profile.username,
                email=profile.email,
                created_at=profile.created_at,
                **_mutable_values(profile),
            )
            .on_conflict_do_nothing(index_elements=[profiles.c.id])
            .returning(profiles.c.id)
        ).first()
        if inserted is None:
            return False
        self._remember(profile)
        return True

    def get(self, user_id: uuid.UUID) -> Profile | None:
        row = self._session.execute(sa.select(profiles).where(profiles.c.id == user_id)).first()
        return self._remember(_profile(row)) if row else None

    def get_for_update(self, user_id: uuid.UUID) -> Profile | None:
        row = self._session.execute(
            # NO KEY UPDATE: membership inserts (their FK check) need not wait for this lock.
            sa.select(profiles).where(profiles.c.id == user_id).with_for_update(key_share=True)
        ).first()
        return self._remember(_profile(row)) if row else None

    def save(self, profile: Profile, *, expected_version: int) -> None:
        result = self._session.execute(
            profiles.update()
            .where(profiles.c.id == profile.id, profiles.c.version == expected_version)
            .values(**_mutable_values(profile))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            current = self._session.execute(
                sa.select(profiles.c.version).where(profiles.c.id == profile.id)
            ).scalar_one_or_none()
            raise StaleVersion(current)
        self._remember(profile)

    def search(
        self, criteria: ProfileSearch, after: ProfilePosition | None, limit: int
    ) -> list[tuple[Profile, ProfilePosition]]:
        query = sa.select(profiles, USERNAME_KEY.label("sort_key"))
        if criteria.text is not None:
            # ILIKE folds case with the database's rules on both sides; wildcards are escaped.
            columns = [profiles.c.username, profiles.c.first_name, profiles.c.last_name]
            if criteria.include_email_in_text:
                columns.append(profiles.c.email)
            query = query.where(
                sa.or_(*(column.icontains(criteria.text, autoescape=True) for column in columns))
            )
        if criteria.role is not None:
            query = query.where(profiles.c.role == criteria.role.value)
        if criteria.is_active is not None:
            query = query.where(profiles.c.is_active.is_(criteria.is_active))
        if criteria.team_id is not None:
            query = query.where(
                profiles.c.id.in_(
                    sa.select(team_memberships.c.user_id).where(
                        team_memberships.c.team_id == criteria.team_id
                    )
                )
            )
        if after is not None:
            query = query.where(
                sa.tuple_(USERNAME_KEY, profiles.c.id) > sa.tuple_(after.username_key, after.id)
            )
        rows = self._session.execute(query.order_by(USERNAME_KEY, profiles.c.id).limit(limit)).all()
        return [
            (self._remember(_profile(row)), ProfilePosition(row.sort_key, row.id)) for row in rows
        ]

    def usernames(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        if not user_ids:
            return {}
        rows = self._session.execute(
            sa.select(profiles.c.id, profiles.c.username).where(profiles.c.id.in_(user_ids))
        ).all()
        return {row.id: row.username for row in rows}

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Profile]:
        query = sa.select(profiles).order_by(profiles.c.id).limit(limit)
        if after is not None:
            query = query.where(profiles.c.id > after)
        return [self._remember(_profile(row)) for row in self._session.execute(query)]
