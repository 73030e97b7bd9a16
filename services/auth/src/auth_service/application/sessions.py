"""Opening a refresh-token family and minting a token pair: shared by register, login, refresh."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_service.application.ports import (
    AccessTokenIssuer,
    AuthUnitOfWork,
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
            access_token=access.token, refresh_token=secret, expires_in=access.expires_in
        )
