"""Sessions (refresh-token families): opening one and minting a token pair (register, login,
refresh), and ending some at once, their access tokens included."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_service.application.ports import (
    AccessTokenDenylist,
    AccessTokenIssuer,
    AuthUnitOfWork,
    Clock,
    RefreshTokenSecrets,
)
from auth_service.application.results import TokenPair
from auth_service.domain.model import Account, RefreshToken, RefreshTokenFamily
from taskhive_shared.ids import uuid7


@dataclass(frozen=True, slots=True)
class TokenMinter:
    access_tokens: AccessTokenIssuer
    secrets: RefreshTokenSecrets
    refresh_ttl: timedelta

    def open_family(self, uow: AuthUnitOfWork, account: Account, now: datetime) -> TokenPair:
        family = RefreshTokenFamily(id=uuid7(), user_id=account.id, created_at=now)
        uow.refresh_tokens.add_family(family)
        return self.mint(uow, account, family.id, now)

    def mint(
        self, uow: AuthUnitOfWork, account: Account, family_id: uuid.UUID, now: datetime
    ) -> TokenPair:
        secret = self.secrets.generate()
        uow.refresh_tokens.add_token(
            RefreshToken(
                id=uuid7(),
                family_id=family_id,
                user_id=account.id,
                token_hash=self.secrets.digest(secret),
                issued_at=now,
                expires_at=now + self.refresh_ttl,
            )
        )
        access = self.access_tokens.issue(account.id, account.role, family_id)
        return TokenPair(
            access_token=access.token,
            refresh_token=secret,
            expires_in=access.expires_in,
            session_id=family_id,
        )


SKEW_SECONDS = 60
"""Beyond the access-token lifetime: verifiers' leeway and clock skew between processes."""


@dataclass(frozen=True, slots=True)
class SessionRevoker:
    """A revoked family's access tokens (claim `sid` = family id) are refused at once in every
    service: the session ids go to the shared denylist for as long as a token issued before
    the revocation can live. Called once the revocation is committed (or, in a consumer, in
    its transaction: a redelivery would revoke them again)."""

    denylist: AccessTokenDenylist
    clock: Clock
    access_token_ttl_seconds: int

    def revoke(self, family_ids: Iterable[uuid.UUID]) -> None:
        session_ids = [str(family_id) for family_id in family_ids]
        if not session_ids:
            return
        expires_at = int(self.clock.now().timestamp()) + self.access_token_ttl_seconds
        self.denylist.deny_sessions(session_ids, expires_at + SKEW_SECONDS)
