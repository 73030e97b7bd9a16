"""Auth's aggregates: an account's credentials and its refresh-token families."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from auth_service.domain.errors import InvalidAccountField

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$")
# Pragmatic shape check; deliverability is not ours to prove (RFC 5321 lengths kept).
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


def normalise_email(email: str) -> str:
    value = unicodedata.normalize("NFKC", email).strip()
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise InvalidAccountField("email", "Not a valid email address.")
    return value


def normalise_username(username: str) -> str:
    value = username.strip()
    if not USERNAME_PATTERN.match(value):
        raise InvalidAccountField(
            "username",
            "3-32 characters: letters, digits, '_', '.', '-', starting with a letter or digit.",
        )
    return value


@dataclass(slots=True)
class Account:
    id: uuid.UUID
    email: str
    username: str
    password_hash: str
    role: Role
    is_active: bool
    created_at: datetime
    updated_at: datetime
    profile_version: int = 0
    """Version of the users-service profile last applied (role and status come from there).

    Events can arrive late or twice (snapshots, redeliveries): only a newer version applies."""


@dataclass(slots=True)
class RefreshTokenFamily:
    """One login session: every rotation of its refresh token stays in the family."""

    id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(slots=True)
class RefreshToken:
    id: uuid.UUID
    family_id: uuid.UUID
    user_id: uuid.UUID
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    spent_at: datetime | None = None

    @property
    def is_spent(self) -> bool:
        return self.spent_at is not None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at
