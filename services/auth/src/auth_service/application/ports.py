"""What the auth use cases need from the outside world, by role."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Container
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from auth_service.domain.api_keys import ApiKey
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily, Role
from taskhive_shared.events.outbox import EventOutbox


class AccountRepository(Protocol):
    def add(self, account: Account) -> None:
        """Raises AccountAlreadyExists when the email or username is taken (any case)."""

    def get(self, account_id: uuid.UUID) -> Account | None: ...

    def find_by_login(self, login: str) -> Account | None:
        """By username or email, case-insensitively."""

    def email_taken(self, email: str) -> bool: ...

    def username_taken(self, username: str) -> bool: ...

    def update_password_hash(self, account_id: uuid.UUID, password_hash: str, at: datetime) -> None:
        """Touches the hash only: a concurrent role/status change is never overwritten."""

    def apply_profile(
        self, account_id: uuid.UUID, role: Role, is_active: bool, version: int, at: datetime
    ) -> bool:
        """Atomically adopt role and status if `version` is newer than the applied one;
        True when it was (a concurrent or stale event changes nothing)."""

    def deactivate(self, account_id: uuid.UUID, version: int, at: datetime) -> bool:
        """Set inactive unless a newer profile version was applied; the version is left to the
        full profile event of the same change (it may arrive later). True if it applied."""


@dataclass(frozen=True, slots=True)
class PurgedRefreshTokens:
    """What one purge batch deleted."""

    tokens: int
    families: int


class RefreshTokenRepository(Protocol):
    def add_family(self, family: RefreshTokenFamily) -> None: ...

    def get_family(self, family_id: uuid.UUID) -> RefreshTokenFamily | None: ...

    def add_token(self, token: RefreshToken) -> None: ...

    def find_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        """Locks the row: two concurrent refreshes with one token cannot both win."""

    def mark_spent(self, token_id: uuid.UUID, at: datetime) -> None: ...

    def revoke_family(self, family_id: uuid.UUID, reason: str, at: datetime) -> None: ...

    def revoke_families_of_user(
        self, user_id: uuid.UUID, reason: str, at: datetime, *, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Revoke the user's live families (but `keep`); the ids of those it revoked."""

    def purge_expired(self, before: datetime, limit: int) -> PurgedRefreshTokens:
        """Delete up to `limit` tokens that expired before `before` (spent, revoked or not),
        skipping rows another transaction holds, then the families of those tokens that are
        left without any token. Tokens still valid stay, even in a revoked family."""


class ApiKeyRepository(Protocol):
    def add(self, key: ApiKey) -> None: ...

    def get(self, key_id: uuid.UUID) -> ApiKey | None: ...

    def count_active(self, user_id: uuid.UUID, now: datetime) -> int: ...

    def page(
        self, *, user_id: uuid.UUID | None, after: uuid.UUID | None, limit: int
    ) -> list[ApiKey]:
        """Newest first (ids are time-ordered), `after` the last id of the previous page."""

    def active_of_user(self, user_id: uuid.UUID, now: datetime) -> list[ApiKey]: ...

    def all_active(self, now: datetime) -> list[ApiKey]: ...

    def revoke(self, key_ids: Collection[uuid.UUID], at: datetime) -> None: ...


class AuthUnitOfWork(Protocol):
    @property
    def accounts(self) -> AccountRepository: ...

    @property
    def refresh_tokens(self) -> RefreshTokenRepository: ...

    @property
    def api_keys(self) -> ApiKeyRepository: ...

    @property
    def outbox(self) -> EventOutbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], AuthUnitOfWork]
"""A fresh unit of work per use-case call: handlers are shared across threads."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    def burn_equivalent_time(self, password: str) -> None:
        """Cost of one verification, for unknown users (no timing oracle)."""


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    jti: str
    expires_at: int
    expires_in: int


class AccessTokenIssuer(Protocol):
    def issue(self, user_id: uuid.UUID, role: Role, session_id: uuid.UUID) -> IssuedAccessToken: ...


class RefreshTokenSecrets(Protocol):
    def generate(self) -> str:
        """A fresh opaque secret (256 bits)."""

    def digest(self, secret: str) -> str:
        """What is stored: the secret itself never is."""


class ApiKeySecrets(Protocol):
    def generate(self) -> str:
        """`th_` and 256 random bits."""

    def digest(self, secret: str) -> str:
        """The keyed hash stored in auth's table."""


class AccessTokenDenylist(Protocol):
    def deny(self, jti: str, expires_at: int) -> None: ...

    def deny_sessions(self, session_ids: Collection[str], expires_at: int) -> None:
        """Every access token whose `sid` is one of these is refused until `expires_at`."""


class Clock(Protocol):
    def now(self) -> datetime: ...


CommonPasswords = Container[str]
