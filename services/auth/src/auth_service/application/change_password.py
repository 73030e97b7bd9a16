"""ChangePassword: check the current one, store the new hash, end every other session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth_service.application.audit_events import PASSWORD_CHANGED, record_session_event
from auth_service.application.ports import Clock, PasswordHasher, UnitOfWorkFactory
from auth_service.application.sessions import SessionRevoker
from auth_service.domain.errors import (
    AccountNotFound,
    IncorrectCurrentPassword,
    WeakPassword,
)
from auth_service.domain.passwords import PasswordPolicy


@dataclass(frozen=True, slots=True)
class ChangePassword:
    user_id: uuid.UUID
    session_id: uuid.UUID | None
    current_password: str
    new_password: str
    source_ip: str | None = None


@dataclass(frozen=True, slots=True)
class ChangePasswordHandler:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    policy: PasswordPolicy
    clock: Clock
    revoker: SessionRevoker

    def __call__(self, command: ChangePassword) -> None:
        with self.uow() as uow:
            account = uow.accounts.get(command.user_id)
            if account is None or not account.is_active:
                raise AccountNotFound()
            if not self.hasher.verify(account.password_hash, command.current_password):
                raise IncorrectCurrentPassword()
            problems = self.policy.problems(
                command.new_password, context=(account.username, account.email)
            )
            if command.new_password == command.current_password:
                problems.append("Must differ from the current password.")
            if problems:
                raise WeakPassword("new_password", problems)
            now = self.clock.now()
            uow.accounts.update_password_hash(
                account.id, self.hasher.hash(command.new_password), now
            )
            ended = uow.refresh_tokens.revoke_families_of_user(
                account.id, "password_changed", now, keep=command.session_id
            )
            record_session_event(
                uow,
                PASSWORD_CHANGED,
                str(account.id),
                now,
                command.source_ip,
                user_id=str(account.id),
                sessions_ended=len(ended),
            )
            uow.commit()
        self.revoker.revoke(ended)
