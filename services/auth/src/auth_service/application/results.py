"""What the use cases hand back to the entrypoints."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from auth_service.domain.model import Account, Role


@dataclass(frozen=True, slots=True)
class AccountView:
    id: uuid.UUID
    email: str
    username: str
    role: Role

    @classmethod
    def of(cls, account: Account) -> AccountView:
        return cls(id=account.id, email=account.email, username=account.username, role=account.role)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"
    session_id: uuid.UUID | None = None
    """The refresh-token family the pair belongs to (for the audit events, never returned)."""


@dataclass(frozen=True, slots=True)
class Session:
    account: AccountView
    tokens: TokenPair
