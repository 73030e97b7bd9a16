"""A browser session as the web service keeps it server-side (the browser holds only its id)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

ACCESS_TOKEN_MARGIN_SECONDS = 30.0
"""Refresh an access token this long before it expires, so no call races its expiry."""


def new_secret() -> str:
    """256 random bits, URL-safe: session ids and CSRF tokens."""
    return secrets.token_urlsafe(32)


def storage_key(session_id: str) -> str:
    """Stores see a hash of the id: a leaked store dump or log line cannot be replayed."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(slots=True)
class SignedInUser:
    id: str
    username: str
    role: str
    display_name: str
    timezone: str = "UTC"

    @property
    def is_staff(self) -> bool:
        return self.role in ("manager", "admin")


@dataclass(slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    access_expires_at: float
    """Epoch seconds (from the API's `expires_in`, no need to parse the JWT)."""

    def access_expiring(self, now: float) -> bool:
        return now >= self.access_expires_at - ACCESS_TOKEN_MARGIN_SECONDS


@dataclass(slots=True)
class WebSession:
    id: str
    csrf_token: str
    user: SignedInUser | None = None
    tokens: Tokens | None = None
    flashes: list[tuple[str, str]] = field(default_factory=list)
    """(category, message) pairs shown once on the next page (`info`, `error`)."""

    @classmethod
    def new(cls) -> WebSession:
        return cls(id=new_secret(), csrf_token=new_secret())

    @property
    def signed_in(self) -> bool:
        return self.user is not None and self.tokens is not None

    def csrf_matches(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(
            self.csrf_token.encode(), (candidate or "").encode()
        )

    def flash(self, message: str, category: str = "info") -> None:
        self.flashes.append((category, message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "csrf_token": self.csrf_token,
            "user": None
            if self.user is None
            else {
                "id": self.user.id,
                "username": self.user.username,
                "role": self.user.role,
                "display_name": self.user.display_name,
                "timezone": self.user.timezone,
            },
            "tokens": None
            if self.tokens is None
            else {
                "access_token": self.tokens.access_token,
                "refresh_token": self.tokens.refresh_token,
                "access_expires_at": self.tokens.access_expires_at,
            },
            "flashes": [list(item) for item in self.flashes],
        }

    @classmethod
    def from_dict(cls, session_id: str, data: dict[str, Any]) -> WebSession:
        user = data.get("user")
        tokens = data.get("tokens")
        return cls(
            id=session_id,
            csrf_token=str(data["csrf_token"]),
            user=None if not user else SignedInUser(**user),
            tokens=None if not tokens else Tokens(**tokens),
            flashes=[(str(c), str(m)) for c, m in data.get("flashes", [])],
        )
