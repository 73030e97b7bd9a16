"""API keys: create (the secret shown once), list, revoke; and the shared directory kept in
step with the table (publish on create, withdraw on revoke, role changes and deactivation)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from auth_service.application.ports import (
    ApiKeySecrets,
    AuthUnitOfWork,
    Clock,
    UnitOfWorkFactory,
)
from auth_service.domain.api_keys import (
    DISPLAY_PREFIX_LENGTH,
    MAX_ACTIVE_KEYS_PER_USER,
    ApiKey,
    check_name,
    expiry_after,
    parse_scopes,
)
from auth_service.domain.errors import (
    AccountNotFound,
    ApiKeyNotFound,
    InvalidAccountField,
    TooManyApiKeys,
)
from taskhive_shared.ids import uuid7
from taskhive_shared.pagination import InvalidCursor, decode_cursor, encode_cursor
from taskhive_shared.security.api_keys import ApiKeyDirectory, ApiKeyRecord

API_KEY_CREATED = "auth.api_key.created.v1"
API_KEY_REVOKED = "auth.api_key.revoked.v1"


@dataclass(frozen=True, slots=True)
class ApiKeyView:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey, last_used: int | None = None) -> ApiKeyView:
        used = key.last_used_at
        if last_used is not None:
            used = datetime.fromtimestamp(last_used, UTC)
        return cls(
            id=key.id,
            user_id=key.user_id,
            name=key.name,
            prefix=key.prefix,
            scopes=sorted(key.scopes),
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=used,
        )


@dataclass(frozen=True, slots=True)
class CreatedApiKey:
    view: ApiKeyView
    secret: str


def _record(key: ApiKey, role: str) -> ApiKeyRecord:
    return ApiKeyRecord(
        key_id=str(key.id),
        user_id=str(key.user_id),
        role=role,
        scopes=key.scopes,
        expires_at=int(key.expires_at.timestamp()),
    )


def _key_event(
    key: ApiKey, actor_id: uuid.UUID, at: datetime, **extra: object
) -> dict[str, object]:
    return {
        "key_id": str(key.id),
        "user_id": str(key.user_id),
        "actor_id": str(actor_id),
        "name": key.name,
        "prefix": key.prefix,
        "scopes": sorted(key.scopes),
        "expires_at": key.expires_at.isoformat(),
        "at": at.isoformat(),
        **extra,
    }


@dataclass(frozen=True, slots=True)
class CreateApiKey:
    user_id: uuid.UUID
    name: str
    scopes: list[str]
    expires_in_days: int


@dataclass(frozen=True, slots=True)
class CreateApiKeyHandler:
    uow: UnitOfWorkFactory
    secrets: ApiKeySecrets
    directory: ApiKeyDirectory
    clock: Clock

    def __call__(self, command: CreateApiKey) -> CreatedApiKey:
        now = self.clock.now()
        name = check_name(command.name)
        scopes = parse_scopes(command.scopes)
        expires_at = expiry_after(now, command.expires_in_days)
        secret = self.secrets.generate()
        key = ApiKey(
            id=uuid7(),
            user_id=command.user_id,
            name=name,
            prefix=secret[:DISPLAY_PREFIX_LENGTH],
            key_hash=self.secrets.digest(secret),
            scopes=scopes,
            created_at=now,
            expires_at=expires_at,
        )
        with self.uow() as uow:
            account = uow.accounts.get(command.user_id)
            if account is None or not account.is_active:
                raise AccountNotFound()
            if uow.api_keys.count_active(command.user_id, now) >= MAX_ACTIVE_KEYS_PER_USER:
                raise TooManyApiKeys()
            uow.api_keys.add(key)
            uow.outbox.add_event(
                API_KEY_CREATED, str(key.id), _key_event(key, command.user_id, now)
            )
            uow.commit()
        # Published once committed: a key that fails here simply does not work yet (the
        # `sync-api-keys` job republishes every active key).
        self.directory.publish(key.key_hash, _record(key, account.role.value))
        return CreatedApiKey(ApiKeyView.of(key), secret)


@dataclass(frozen=True, slots=True)
class RevokeApiKey:
    key_id: uuid.UUID
    actor_id: uuid.UUID
    actor_is_admin: bool


@dataclass(frozen=True, slots=True)
class RevokeApiKeyHandler:
    uow: UnitOfWorkFactory
    directory: ApiKeyDirectory
    clock: Clock

    def __call__(self, command: RevokeApiKey) -> None:
        now = self.clock.now()
        with self.uow() as uow:
            key = uow.api_keys.get(command.key_id)
            if key is None or (key.user_id != command.actor_id and not command.actor_is_admin):
                raise ApiKeyNotFound()
            if key.revoked_at is not None:
                return
            # Withdrawn before the commit: if the commit fails the key is dead but listed
            # as live (safe); the other order could leave a revoked key working.
            self.directory.withdraw([key.key_hash])
            uow.api_keys.revoke([key.id], now)
            uow.outbox.add_event(
                API_KEY_REVOKED,
                str(key.id),
                _key_event(key, command.actor_id, now, reason="revoked"),
            )
            uow.commit()


@dataclass(frozen=True, slots=True)
class ListApiKeys:
    actor_id: uuid.UUID
    actor_is_admin: bool
    all_users: bool = False
    user_id: uuid.UUID | None = None
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyPage:
    items: list[ApiKeyView]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class ApiKeyQueries:
    uow: UnitOfWorkFactory
    directory: ApiKeyDirectory

    def list(self, query: ListApiKeys) -> ApiKeyPage:
        """A member sees their own keys; an admin anyone's (`all_users` or `user_id`)."""
        if not 1 <= query.limit <= 100:
            raise InvalidAccountField("limit", "Must be between 1 and 100.")
        owner: uuid.UUID | None = query.actor_id
        if query.actor_is_admin and (query.all_users or query.user_id is not None):
            owner = query.user_id
        elif query.all_users or query.user_id not in (None, query.actor_id):
            raise ApiKeyNotFound()
        after = None
        if query.cursor is not None:
            try:
                after = uuid.UUID(str(decode_cursor(query.cursor, {"id"})["id"]))
            except (InvalidCursor, ValueError) as exc:
                raise InvalidAccountField("cursor", "Not a cursor of this list.") from exc
        with self.uow() as uow:
            keys = uow.api_keys.page(user_id=owner, after=after, limit=query.limit + 1)
        page, more = keys[: query.limit], len(keys) > query.limit
        used = self.directory.last_used([str(key.id) for key in page])
        return ApiKeyPage(
            [ApiKeyView.of(key, used.get(str(key.id))) for key in page],
            encode_cursor({"id": str(page[-1].id)}) if more and page else None,
        )


@dataclass(frozen=True, slots=True)
class ApiKeyDirectorySync:
    """Keeps the shared directory in step with the table: a role change republishes the
    user's keys with the new role, a deactivation revokes them."""

    directory: ApiKeyDirectory

    def account_changed(
        self, uow: AuthUnitOfWork, user_id: uuid.UUID, role: str, is_active: bool, now: datetime
    ) -> None:
        keys = uow.api_keys.active_of_user(user_id, now)
        if not keys:
            return
        if is_active:
            for key in keys:
                self.directory.publish(key.key_hash, _record(key, role))
            return
        self.directory.withdraw([key.key_hash for key in keys])
        uow.api_keys.revoke([key.id for key in keys], now)
        for key in keys:
            uow.outbox.add_event(
                API_KEY_REVOKED, str(key.id), _key_event(key, user_id, now, reason="deactivated")
            )

    def republish(self, keys: Iterable[tuple[ApiKey, str]]) -> int:
        count = 0
        for key, role in keys:
            self.directory.publish(key.key_hash, _record(key, role))
            count += 1
        return count


@dataclass(frozen=True, slots=True)
class SyncApiKeysHandler:
    """Republish every active key (after a Redis restart, or by the hourly job): the table
    is the truth, the directory a cache of it."""

    uow: UnitOfWorkFactory
    sync: ApiKeyDirectorySync
    clock: Clock

    def __call__(self) -> int:
        now = self.clock.now()
        with self.uow() as uow:
            keys = uow.api_keys.all_active(now)
            accounts = {user_id: uow.accounts.get(user_id) for user_id in {k.user_id for k in keys}}
        live = [
            (key, account.role.value)
            for key in keys
            if (account := accounts[key.user_id]) is not None and account.is_active
        ]
        return self.sync.republish(live)
