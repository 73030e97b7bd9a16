"""LogoutUser: end the session behind a refresh token, its access tokens included, and revoke
the calling access token now."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth_service.application.audit_events import (
    SESSION_ENDED,
    record_session_event,
    session_fields,
)
from auth_service.application.ports import (
    AccessTokenDenylist,
    Clock,
    RefreshTokenSecrets,
    UnitOfWorkFactory,
)
from auth_service.application.sessions import SessionRevoker


@dataclass(frozen=True, slots=True)
class LogoutUser:
    user_id: uuid.UUID
    access_jti: str
    access_expires_at: int
    refresh_token: str
    source_ip: str | None = None


@dataclass(frozen=True, slots=True)
class LogoutUserHandler:
    uow: UnitOfWorkFactory
    secrets: RefreshTokenSecrets
    denylist: AccessTokenDenylist
    clock: Clock
    revoker: SessionRevoker

    def __call__(self, command: LogoutUser) -> None:
        now = self.clock.now()
        ended: uuid.UUID | None = None
        with self.uow() as uow:
            token = uow.refresh_tokens.find_by_hash_for_update(
                self.secrets.digest(command.refresh_token)
            )
            # Another user's refresh token is ignored: logout can only end one's own session.
            if token is not None and token.user_id == command.user_id:
                uow.refresh_tokens.revoke_family(token.family_id, "logout", now)
                ended = token.family_id
            record_session_event(
                uow,
                SESSION_ENDED,
                str(command.user_id),
                now,
                command.source_ip,
                **session_fields(command.user_id, ended),
            )
            uow.commit()
        self.denylist.deny(command.access_jti, command.access_expires_at)
        if ended is not None:
            self.revoker.revoke([ended])
