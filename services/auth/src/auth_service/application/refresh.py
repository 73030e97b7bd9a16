"""RefreshTokens: rotate a refresh token; a reused one revokes its whole family (RFC 9700)."""

from __future__ import annotations

from dataclasses import dataclass

from auth_service.application.audit_events import (
    SESSION_REUSE_DETECTED,
    record_session_event,
    session_fields,
)
from auth_service.application.ports import Clock, RefreshTokenSecrets, UnitOfWorkFactory
from auth_service.application.results import AccountView, Session
from auth_service.application.sessions import SessionRevoker, TokenMinter
from auth_service.domain.errors import InvalidRefreshToken


@dataclass(frozen=True, slots=True)
class RefreshTokens:
    refresh_token: str
    source_ip: str | None = None


@dataclass(frozen=True, slots=True)
class RefreshTokensHandler:
    uow: UnitOfWorkFactory
    secrets: RefreshTokenSecrets
    minter: TokenMinter
    clock: Clock
    revoker: SessionRevoker

    def __call__(self, command: RefreshTokens) -> Session:
        now = self.clock.now()
        with self.uow() as uow:
            token = uow.refresh_tokens.find_by_hash_for_update(
                self.secrets.digest(command.refresh_token)
            )
            if token is None:
                raise InvalidRefreshToken()
            family = uow.refresh_tokens.get_family(token.family_id)
            if family is None or family.is_revoked:
                raise InvalidRefreshToken()
            if token.is_spent:
                # Someone replays a rotated token: either the client or a thief holds a copy.
                # Kill the whole session and keep that decision even though we answer 401.
                uow.refresh_tokens.revoke_family(family.id, "reuse_detected", now)
                record_session_event(
                    uow,
                    SESSION_REUSE_DETECTED,
                    str(token.user_id),
                    now,
                    command.source_ip,
                    **session_fields(token.user_id, family.id),
                )
                uow.commit()
                # ...and its access tokens with it: the thief may hold one already.
                self.revoker.revoke([family.id])
                raise InvalidRefreshToken()
            if token.is_expired(now):
                raise InvalidRefreshToken()
            account = uow.accounts.get(token.user_id)
            if account is None or not account.is_active:
                uow.refresh_tokens.revoke_family(family.id, "account_inactive", now)
                uow.commit()
                self.revoker.revoke([family.id])
                raise InvalidRefreshToken()
            uow.refresh_tokens.mark_spent(token.id, now)
            tokens = self.minter.mint(uow, account, family.id, now)
            uow.commit()
        return Session(account=AccountView.of(account), tokens=tokens)
