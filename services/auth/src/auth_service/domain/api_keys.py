"""API keys: a user's scoped, expiring credentials for scripts (ADR 0024)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from auth_service.domain.errors import InvalidAccountField

SCOPE_SERVICES = ("users", "tasks", "timetracking", "analytics", "hooks", "audit")
"""Services a key can be scoped to; auth is not one of them (a key never manages keys)."""
SCOPE_ACTIONS = ("read", "write")
ALL_SCOPES = tuple(f"{service}:{action}" for service in SCOPE_SERVICES for action in SCOPE_ACTIONS)
MAX_EXPIRY_DAYS = 365
MAX_ACTIVE_KEYS_PER_USER = 50
DISPLAY_PREFIX_LENGTH = 10
"""`th_` and 7 characters of the secret: enough to recognise a key in a list, not to use it."""
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,100}$")


def parse_scopes(scopes: list[str]) -> frozenset[str]:
    unknown = sorted({scope for scope in scopes if scope not in ALL_SCOPES})
    if unknown:
        raise InvalidAccountField("scopes", f"Unknown scope(s): {', '.join(unknown)}.")
    if not scopes:
        raise InvalidAccountField("scopes", "At least one scope is required.")
    return frozenset(scopes)


def check_name(name: str) -> str:
    value = name.strip()
    if not _NAME.match(value):
        raise InvalidAccountField("name", "1-100 printable characters.")
    return value


def expiry_after(now: datetime, days: int) -> datetime:
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise InvalidAccountField("expires_in_days", f"Must be between 1 and {MAX_EXPIRY_DAYS}.")
    return now + timedelta(days=days)


@dataclass(slots=True)
class ApiKey:
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    prefix: str
    key_hash: str
    """HMAC-SHA256 of the secret: the directory files the key under it too."""
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
