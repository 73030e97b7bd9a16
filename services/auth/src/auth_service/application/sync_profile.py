"""SyncAccountFromProfile: the users service owns roles and status; auth keeps a replica.

New tokens carry the new role from the next login or refresh; a deactivation also ends
every session at once (all refresh-token families revoked, their access tokens denylisted)
and refuses future logins.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth_service.application.api_keys import ApiKeyDirectorySync
from auth_service.application.ports import AuthUnitOfWork, Clock
from auth_service.application.sessions import SessionRevoker
from auth_service.domain.model import Role


@dataclass(frozen=True, slots=True)
class SyncAccountFromProfile:
    user_id: uuid.UUID
    role: Role
    is_active: bool
    version: int


@dataclass(frozen=True, slots=True)
class SyncAccountFromProfileHandler:
    clock: Clock
    revoker: SessionRevoker
    api_keys: ApiKeyDirectorySync | None = None

    def __call__(self, command: SyncAccountFromProfile, uow: AuthUnitOfWork) -> bool:
        """Runs inside the consumer's unit of work (which commits); True if anything changed."""
        now = self.clock.now()
        applied = uow.accounts.apply_profile(
            command.user_id, command.role, command.is_active, command.version, now
        )
        if applied and not command.is_active:
            self.revoker.revoke(
                uow.refresh_tokens.revoke_families_of_user(command.user_id, "deactivated", now)
            )
        if applied and self.api_keys is not None:
            self.api_keys.account_changed(
                uow, command.user_id, command.role.value, command.is_active, now
            )
        return applied


@dataclass(frozen=True, slots=True)
class DeactivateAccount:
    user_id: uuid.UUID
    version: int


@dataclass(frozen=True, slots=True)
class DeactivateAccountHandler:
    clock: Clock
    revoker: SessionRevoker
    api_keys: ApiKeyDirectorySync | None = None

    def __call__(self, command: DeactivateAccount, uow: AuthUnitOfWork) -> bool:
        """Ends every session at once; role and version come with the profile's `updated`."""
        now = self.clock.now()
        applied = uow.accounts.deactivate(command.user_id, command.version, now)
        if applied:
            self.revoker.revoke(
                uow.refresh_tokens.revoke_families_of_user(command.user_id, "deactivated", now)
            )
        if applied and self.api_keys is not None:
            self.api_keys.account_changed(uow, command.user_id, "member", False, now)
        return applied
