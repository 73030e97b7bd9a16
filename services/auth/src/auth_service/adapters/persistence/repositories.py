"""PostgreSQL repositories of auth, on the unit of work's session."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from auth_service.adapters.persistence.tables import (
    accounts,
    api_keys,
    refresh_token_families,
    refresh_tokens,
)
from auth_service.application.ports import PurgedRefreshTokens
from auth_service.domain.api_keys import ApiKey
from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily, Role


def _account(row: Any) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        username=row.username,
        password_hash=row.password_hash,
        role=Role(row.role),
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
        profile_version=row.profile_version,
    )


class SqlAlchemyAccountRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, account: Account) -> None:
        try:
            with self._session.begin_nested():
                self._session.execute(
                    accounts.insert().values(
                        id=account.id,
                        email=account.email,
                        username=account.username,
                        password_hash=account.password_hash,
                        role=account.role.value,
                        is_active=account.is_active,
                        created_at=account.created_at,
                        updated_at=account.updated_at,
                    )
                )
        except IntegrityError as exc:
            # A concurrent registration won the race the existence checks could not see.
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
            raise AccountAlreadyExists("email" if "email" in constraint else "username") from exc

    def get(self, account_id: uuid.UUID) -> Account | None:
        row = self._session.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
        return _account(row) if row else None

    def find_by_login(self, login: str) -> Account | None:
        key = login.lower()
        column = accounts.c.email if "@" in login else accounts.c.username
        row = self._session.execute(sa.select(accounts).where(sa.func.lower(column) == key)).first()
        return _account(row) if row else None

    def _taken(self, column: sa.Column[str], value: str) -> bool:
        query = sa.select(sa.literal(1)).where(sa.func.lower(column) == value.lower())
        return self._session.execute(query).first() is not None

    def email_taken(self, email: str) -> bool:
        return self._taken(accounts.c.email, email)

    def username_taken(self, username: str) -> bool:
        return self._taken(accounts.c.username, username)

    def update_password_hash(self, account_id: uuid.UUID, password_hash: str, at: datetime) -> None:
        self._session.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(password_hash=password_hash, updated_at=at)
        )

    def apply_profile(
        self, account_id: uuid.UUID, role: Role, is_active: bool, version: int, at: datetime
    ) -> bool:
        result = self._session.execute(
            accounts.update()
            .where(accounts.c.id == account_id, accounts.c.profile_version < version)
            .values(role=role.value, is_active=is_active, profile_version=version, updated_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def deactivate(self, account_id: uuid.UUID, version: int, at: datetime) -> bool:
        result = self._session.execute(
            accounts.update()
            .where(accounts.c.id == account_id, accounts.c.profile_version <= version)
            .values(is_active=False, updated_at=at)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlAlchemyRefreshTokenRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add_family(self, family: RefreshTokenFamily) -> None:
        self._session.execute(
            refresh_token_families.insert().values(
                id=family.id, user_id=family.user_id, created_at=family.created_at
            )
        )

    def get_family(self, family_id: uuid.UUID) -> RefreshTokenFamily | None:
        row = self._session.execute(
            sa.select(refresh_token_families).where(refresh_token_families.c.id == family_id)
        ).first()
        if row is None:
            return None
        return RefreshTokenFamily(
            id=row.id,
            user_id=row.user_id,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            revoked_reason=row.revoked_reason,
        )

    def add_token(self, token: RefreshToken) -> None:
        self._session.execute(
            refresh_tokens.insert().values(
                id=token.id,
                family_id=token.family_id,
                user_id=token.user_id,
                token_hash=token.token_hash,
                issued_at=token.issued_at,
                expires_at=token.expires_at,
            )
        )

    def find_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        row = self._session.execute(
            sa.select(refresh_tokens)
            .where(refresh_tokens.c.token_hash == token_hash)
            .with_for_update()
        ).first()
        if row is None:
            return None
        return RefreshToken(
            id=row.id,
            family_id=row.family_id,
            user_id=row.user_id,
            token_hash=row.token_hash,
            issued_at=row.issued_at,
            expires_at=row.expires_at,
            spent_at=row.spent_at,
        )

    def mark_spent(self, token_id: uuid.UUID, at: datetime) -> None:
        self._session.execute(
            refresh_tokens.update().where(refresh_tokens.c.id == token_id).values(spent_at=at)
        )

    def revoke_family(self, family_id: uuid.UUID, reason: str, at: datetime) -> None:
        self._session.execute(
            refresh_token_families.update()
            .where(
                refresh_token_families.c.id == family_id,
                refresh_token_families.c.revoked_at.is_(None),
            )
            .values(revoked_at=at, revoked_reason=reason)
        )

    def revoke_families_of_user(
        self, user_id: uuid.UUID, reason: str, at: datetime, *, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        conditions = [
            refresh_token_families.c.user_id == user_id,
            refresh_token_families.c.revoked_at.is_(None),
        ]
        if keep is not None:
            conditions.append(refresh_token_families.c.id != keep)
        result = self._session.execute(
            refresh_token_families.update()
            .where(*conditions)
            .values(revoked_at=at, revoked_reason=reason)
            .returning(refresh_token_families.c.id)
        )
        return list(result.scalars())

    def purge_expired(self, before: datetime, limit: int) -> PurgedRefreshTokens:
        # `ix_refresh_tokens_expires` finds the batch; SKIP LOCKED leaves a token that a
        # refresh is rotating right now (it is the next run's, if it is still expired then).
        batch = (
            sa.select(refresh_tokens.c.id)
            .where(refresh_tokens.c.expires_at < before)
            .order_by(refresh_tokens.c.expires_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        deleted = list(
            self._session.execute(
                refresh_tokens.delete()
                .where(refresh_tokens.c.id.in_(batch.scalar_subquery()))
                .returning(refresh_tokens.c.family_id)
            ).scalars()
        )
        family_ids = set(deleted)
        families = 0
        if family_ids:
            # A family with a live token always still has that token (a refresh only marks
            # the presented one spent), so an empty family can never be extended again.
            still_used = sa.exists().where(
                refresh_tokens.c.family_id == refresh_token_families.c.id
            )
            result = self._session.execute(
                refresh_token_families.delete().where(
                    refresh_token_families.c.id.in_(family_ids), ~still_used
                )
            )
            families = int(result.rowcount)  # type: ignore[attr-defined]
        return PurgedRefreshTokens(tokens=len(deleted), families=families)


def _api_key(row: Any) -> ApiKey:
    return ApiKey(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        scopes=frozenset(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


class SqlAlchemyApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        self._session.execute(
            api_keys.insert().values(
                id=key.id,
                user_id=key.user_id,
                name=key.name,
                prefix=key.prefix,
                key_hash=key.key_hash,
                scopes=sorted(key.scopes),
                created_at=key.created_at,
                expires_at=key.expires_at,
            )
        )

    def get(self, key_id: uuid.UUID) -> ApiKey | None:
        row = self._session.execute(api_keys.select().where(api_keys.c.id == key_id)).first()
        return _api_key(row) if row is not None else None

    def _active(self, now: datetime) -> Any:
        return sa.and_(api_keys.c.revoked_at.is_(None), api_keys.c.expires_at > now)

    def count_active(self, user_id: uuid.UUID, now: datetime) -> int:
        query = sa.select(sa.func.count()).where(api_keys.c.user_id == user_id, self._active(now))
        return int(self._session.execute(query).scalar_one())

    def page(
        self, *, user_id: uuid.UUID | None, after: uuid.UUID | None, limit: int
    ) -> list[ApiKey]:
        query = api_keys.select().order_by(api_keys.c.id.desc()).limit(limit)
        if user_id is not None:
            query = query.where(api_keys.c.user_id == user_id)
        if after is not None:
            query = query.where(api_keys.c.id < after)
        return [_api_key(row) for row in self._session.execute(query)]

    def active_of_user(self, user_id: uuid.UUID, now: datetime) -> list[ApiKey]:
        query = api_keys.select().where(api_keys.c.user_id == user_id, self._active(now))
        return [_api_key(row) for row in self._session.execute(query)]

    def all_active(self, now: datetime) -> list[ApiKey]:
        return [
            _api_key(row)
            for row in self._session.execute(api_keys.select().where(self._active(now)))
        ]

    def revoke(self, key_ids: Collection[uuid.UUID], at: datetime) -> None:
        if key_ids:
            self._session.execute(
                api_keys.update()
                .where(api_keys.c.id.in_(list(key_ids)), api_keys.c.revoked_at.is_(None))
                .values(revoked_at=at)
            )
