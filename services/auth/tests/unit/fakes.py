"""In-memory fakes at auth's ports, for unit tests of the domain and the use cases.

The fakes behave like the real adapters where it matters to the use cases:
- repositories hand out *copies* (like rows read from a database), so a handler that mutates
  an object but forgets to `save` it writes nothing;
- a unit of work only keeps what was `commit()`ed: leaving the block restores the state of
  the last commit, so a use case that raises before committing leaves nothing behind.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from auth_service.application.change_password import ChangePasswordHandler
from auth_service.application.create_admin import CreateAdminHandler
from auth_service.application.login import LoginUserHandler
from auth_service.application.logout import LogoutUserHandler
from auth_service.application.ports import IssuedAccessToken, PurgedRefreshTokens
from auth_service.application.refresh import RefreshTokensHandler
from auth_service.application.register import RegisterUser, RegisterUserHandler
from auth_service.application.results import Session
from auth_service.application.sessions import SessionRevoker, TokenMinter
from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily, Role
from auth_service.domain.passwords import PasswordPolicy


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    type: str
    subject: str
    data: dict[str, Any]


@dataclass
class StoreState:
    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    families: dict[uuid.UUID, RefreshTokenFamily] = field(default_factory=dict)
    tokens: dict[uuid.UUID, RefreshToken] = field(default_factory=dict)
    events: list[OutboxEvent] = field(default_factory=list)


class FakeStore:
    """The 'database' shared by every unit of work of one test."""

    def __init__(self) -> None:
        self.state = StoreState()
        self.commits = 0
        self.units_opened = 0

    # Read helpers for assertions (copies, so tests cannot change the store by accident).
    @property
    def accounts(self) -> list[Account]:
        return [copy.deepcopy(a) for a in self.state.accounts.values()]

    @property
    def families(self) -> list[RefreshTokenFamily]:
        return [copy.deepcopy(f) for f in self.state.families.values()]

    @property
    def tokens(self) -> list[RefreshToken]:
        return [copy.deepcopy(t) for t in self.state.tokens.values()]

    @property
    def events(self) -> list[OutboxEvent]:
        return list(self.state.events)

    def account_by_username(self, username: str) -> Account:
        for account in self.state.accounts.values():
            if account.username.casefold() == username.casefold():
                return copy.deepcopy(account)
        raise LookupError(username)

    def family(self, family_id: uuid.UUID) -> RefreshTokenFamily:
        return copy.deepcopy(self.state.families[family_id])

    def token_by_hash(self, token_hash: str) -> RefreshToken:
        for token in self.state.tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        raise LookupError(token_hash)

    def families_of(self, user_id: uuid.UUID) -> list[RefreshTokenFamily]:
        return [f for f in self.families if f.user_id == user_id]

    # Arrange helpers: change committed state directly (as another process would).
    def deactivate(self, user_id: uuid.UUID) -> None:
        self.state.accounts[user_id].is_active = False


class FakeAccountRepository:
    def __init__(self, state: StoreState) -> None:
        self._state = state

    def add(self, account: Account) -> None:
        if self.email_taken(account.email):
            raise AccountAlreadyExists("email")
        if self.username_taken(account.username):
            raise AccountAlreadyExists("username")
        self._state.accounts[account.id] = copy.deepcopy(account)

    def get(self, account_id: uuid.UUID) -> Account | None:
        account = self._state.accounts.get(account_id)
        return copy.deepcopy(account) if account else None

    def find_by_login(self, login: str) -> Account | None:
        key = login.casefold()
        for account in self._state.accounts.values():
            if key in (account.email.casefold(), account.username.casefold()):
                return copy.deepcopy(account)
        return None

    def email_taken(self, email: str) -> bool:
        return any(a.email.casefold() == email.casefold() for a in self._state.accounts.values())

    def username_taken(self, username: str) -> bool:
        return any(
            a.username.casefold() == username.casefold() for a in self._state.accounts.values()
        )

    def update_password_hash(self, account_id: uuid.UUID, password_hash: str, at: datetime) -> None:
        account = self._state.accounts[account_id]
        account.password_hash = password_hash
        account.updated_at = at

    def apply_profile(
        self, account_id: uuid.UUID, role: Role, is_active: bool, version: int, at: datetime
    ) -> bool:
        account = self._state.accounts.get(account_id)
        if account is None or version <= account.profile_version:
            return False
        account.role, account.is_active, account.profile_version = role, is_active, version
        account.updated_at = at
        return True

    def deactivate(self, account_id: uuid.UUID, version: int, at: datetime) -> bool:
        account = self._state.accounts.get(account_id)
        if account is None or version < account.profile_version:
            return False
        account.is_active = False
        account.updated_at = at
        return True


class FakeRefreshTokenRepository:
    def __init__(self, state: StoreState) -> None:
        self._state = state

    def add_family(self, family: RefreshTokenFamily) -> None:
        self._state.families[family.id] = copy.deepcopy(family)

    def get_family(self, family_id: uuid.UUID) -> RefreshTokenFamily | None:
        family = self._state.families.get(family_id)
        return copy.deepcopy(family) if family else None

    def add_token(self, token: RefreshToken) -> None:
        if token.family_id not in self._state.families:
            raise LookupError(f"no family {token.family_id}")
        self._state.tokens[token.id] = copy.deepcopy(token)

    def find_by_hash_for_update(self, token_hash: str) -> RefreshToken | None:
        for token in self._state.tokens.values():
            if token.token_hash == token_hash:
                return copy.deepcopy(token)
        return None

    def mark_spent(self, token_id: uuid.UUID, at: datetime) -> None:
        self._state.tokens[token_id].spent_at = at

    def revoke_family(self, family_id: uuid.UUID, reason: str, at: datetime) -> None:
        family = self._state.families[family_id]
        if family.revoked_at is None:
            family.revoked_at = at
            family.revoked_reason = reason

    def revoke_families_of_user(
        self, user_id: uuid.UUID, reason: str, at: datetime, *, keep: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        revoked = []
        for family in self._state.families.values():
            if family.user_id == user_id and family.revoked_at is None and family.id != keep:
                family.revoked_at = at
                family.revoked_reason = reason
                revoked.append(family.id)
        return revoked

    def purge_expired(self, before: datetime, limit: int) -> PurgedRefreshTokens:
        doomed = sorted(
            (t for t in self._state.tokens.values() if t.expires_at < before),
            key=lambda t: t.expires_at,
        )[:limit]
        for token in doomed:
            del self._state.tokens[token.id]
        left = {t.family_id for t in self._state.tokens.values()}
        empty = {t.family_id for t in doomed} - left
        for family_id in empty:
            self._state.families.pop(family_id, None)
        return PurgedRefreshTokens(tokens=len(doomed), families=len(empty))


class FakeOutbox:
    def __init__(self, state: StoreState) -> None:
        self._state = state

    def add_event(self, event_type: str, subject: str, data: dict[str, Any]) -> OutboxEvent:
        event = OutboxEvent(event_type, subject, copy.deepcopy(data))
        self._state.events.append(event)
        return event


class FakeUnitOfWork:
    """Works on the store directly; leaving the block restores the last committed state."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._snapshot: StoreState | None = None
        self.committed = False
        self.accounts = FakeAccountRepository(store.state)
        self.refresh_tokens = FakeRefreshTokenRepository(store.state)
        self.outbox = FakeOutbox(store.state)

    def __enter__(self) -> Self:
        if self._snapshot is not None:
            raise RuntimeError("unit of work entered twice")
        self._store.units_opened += 1
        self._snapshot = copy.deepcopy(self._store.state)
        return self

    def commit(self) -> None:
        if self._snapshot is None:
            raise RuntimeError("commit outside the unit of work")
        self._snapshot = copy.deepcopy(self._store.state)
        self._store.commits += 1
        self.committed = True

    def rollback(self) -> None:
        if self._snapshot is None:
            return
        restored = copy.deepcopy(self._snapshot)
        # Mutate in place: the repositories hold a reference to the state object.
        state = self._store.state
        state.accounts = restored.accounts
        state.families = restored.families
        state.tokens = restored.tokens
        state.events = restored.events

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._snapshot = None


class FakePasswordHasher:
    """Cheap and deterministic; bump `version` to make older hashes need a rehash."""

    def __init__(self, version: int = 1) -> None:
        self.version = version
        self.hash_calls = 0
        self.verify_calls = 0
        self.burn_calls = 0

    def hash(self, password: str) -> str:
        self.hash_calls += 1
        return f"fake-v{self.version}${password[::-1]}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.verify_calls += 1
        prefix, sep, stored = password_hash.partition("$")
        return bool(sep) and prefix.startswith("fake-v") and stored == password[::-1]

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(f"fake-v{self.version}$")

    def burn_equivalent_time(self, password: str) -> None:
        self.burn_calls += 1


@dataclass(frozen=True, slots=True)
class IssueCall:
    user_id: uuid.UUID
    role: Role
    session_id: uuid.UUID


class FakeAccessTokenIssuer:
    def __init__(self, ttl_seconds: int = 900, now: int = 1_700_000_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.now = now
        self.calls: list[IssueCall] = []

    def issue(self, user_id: uuid.UUID, role: Role, session_id: uuid.UUID) -> IssuedAccessToken:
        self.calls.append(IssueCall(user_id, role, session_id))
        n = len(self.calls)
        return IssuedAccessToken(
            token=f"access-token-{n}",
            jti=f"jti-{n}",
            expires_at=self.now + self.ttl_seconds,
            expires_in=self.ttl_seconds,
        )


class FakeRefreshTokenSecrets:
    """Sequential secrets; the digest differs from the secret so storing the raw one shows."""

    def __init__(self) -> None:
        self.generated: list[str] = []

    def generate(self) -> str:
        secret = f"refresh-secret-{len(self.generated) + 1}"
        self.generated.append(secret)
        return secret

    def digest(self, secret: str) -> str:
        return f"digest({secret})"


class FakeClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now or datetime(2025, 1, 15, 9, 30, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FakeDenylist:
    def __init__(self) -> None:
        self.denied: dict[str, int] = {}
        self.denied_sessions: dict[str, int] = {}

    def deny(self, jti: str, expires_at: int) -> None:
        self.denied[jti] = expires_at

    def deny_sessions(self, session_ids: Collection[str], expires_at: int) -> None:
        for session_id in session_ids:
            self.denied_sessions[session_id] = expires_at

    def is_denied(self, jti: str, session_id: str | None = None) -> bool:
        return jti in self.denied or (session_id is not None and session_id in self.denied_sessions)


REFRESH_TTL = timedelta(days=14)
ACCESS_TTL_SECONDS = 900
COMMON = frozenset({"password", "password123", "qwertyuiop", "iloveyou", "letmein1"})
GOOD_PASSWORD = "violet-harbour-lantern"


@dataclass
class AuthHarness:
    store: FakeStore
    uow: Callable[[], FakeUnitOfWork]
    hasher: FakePasswordHasher
    issuer: FakeAccessTokenIssuer
    secrets: FakeRefreshTokenSecrets
    clock: FakeClock
    denylist: FakeDenylist
    policy: PasswordPolicy
    minter: TokenMinter
    register: RegisterUserHandler
    login: LoginUserHandler
    refresh: RefreshTokensHandler
    logout: LogoutUserHandler
    change_password: ChangePasswordHandler
    create_admin: CreateAdminHandler

    def register_user(
        self,
        username: str = "alice",
        email: str = "alice@example.com",
        password: str = GOOD_PASSWORD,
    ) -> Session:
        return self.register(RegisterUser(email=email, username=username, password=password))


def build_harness() -> AuthHarness:
    """Every auth use case wired to fresh fakes sharing one store."""
    store = FakeStore()

    def uow() -> FakeUnitOfWork:
        return FakeUnitOfWork(store)

    hasher = FakePasswordHasher()
    issuer = FakeAccessTokenIssuer()
    secrets = FakeRefreshTokenSecrets()
    clock = FakeClock()
    denylist = FakeDenylist()
    policy = PasswordPolicy(common_passwords=COMMON)
    minter = TokenMinter(access_tokens=issuer, secrets=secrets, refresh_ttl=REFRESH_TTL)
    revoker = SessionRevoker(denylist, clock, ACCESS_TTL_SECONDS)
    register = RegisterUserHandler(
        uow=uow, hasher=hasher, policy=policy, minter=minter, clock=clock
    )
    return AuthHarness(
        store=store,
        uow=uow,
        hasher=hasher,
        issuer=issuer,
        secrets=secrets,
        clock=clock,
        denylist=denylist,
        policy=policy,
        minter=minter,
        register=register,
        login=LoginUserHandler(uow=uow, hasher=hasher, minter=minter, clock=clock),
        refresh=RefreshTokensHandler(
            uow=uow, secrets=secrets, minter=minter, clock=clock, revoker=revoker
        ),
        logout=LogoutUserHandler(
            uow=uow, secrets=secrets, denylist=denylist, clock=clock, revoker=revoker
        ),
        change_password=ChangePasswordHandler(
            uow=uow, hasher=hasher, policy=policy, clock=clock, revoker=revoker
        ),
        create_admin=CreateAdminHandler(uow=uow, register=register),
    )
