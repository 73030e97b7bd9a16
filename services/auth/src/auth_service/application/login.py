"""LoginUser: username or email plus password gives a new session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from auth_service.application.audit_events import (
    SESSION_FAILED,
    SESSION_STARTED,
    record_session_event,
    session_fields,
)
from auth_service.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from auth_service.application.results import AccountView, Session
from auth_service.application.sessions import TokenMinter
from auth_service.domain.errors import InvalidCredentials


@dataclass(frozen=True, slots=True)
class LoginUser:
    login: str
    password: str
    source_ip: str | None = None


@dataclass(frozen=True, slots=True)
class LoginUserHandler:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    minter: TokenMinter
    clock: Clock

    def __call__(self, command: LoginUser) -> Session:
        with self.uow() as uow:
            account = uow.accounts.find_by_login(command.login.strip())
        # Hashing is deliberately slow: do it without holding a database connection.
        if account is None:
            self.hasher.burn_equivalent_time(command.password)
            self._refused(command)
        if not self.hasher.verify(account.password_hash, command.password):
            self._refused(command)
        if not account.is_active:
            self._refused(command)
        rehashed = (
            self.hasher.hash(command.password)
            if self.hasher.needs_rehash(account.password_hash)
            else None
        )
        now = self.clock.now()
        with self.uow() as uow:
            if rehashed is not None:
                uow.accounts.update_password_hash(account.id, rehashed, now)
            tokens = self.minter.open_family(uow, account, now)
            record_session_event(
                uow,
                SESSION_STARTED,
                str(account.id),
                now,
                command.source_ip,
                **session_fields(account.id, tokens.session_id),
            )
            uow.commit()
        return Session(account=AccountView.of(account), tokens=tokens)

    def _refused(self, command: LoginUser) -> NoReturn:
        """Every refusal is recorded for the audit log, then looks the same from outside."""
        login = command.login.strip()[:254]
        with self.uow() as uow:
            record_session_event(
                uow,
                SESSION_FAILED,
                login or "-",
                self.clock.now(),
                command.source_ip,
                login=login,
                reason="invalid_credentials",
            )
            uow.commit()
        raise InvalidCredentials()
