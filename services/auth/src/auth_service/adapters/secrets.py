"""Opaque refresh-token secrets: 256 random bits, stored as a SHA-256 digest only."""

from __future__ import annotations

import hashlib
import secrets

from taskhive_shared.security.api_keys import API_KEY_PREFIX, lookup_digest


class RandomRefreshTokenSecrets:
    def generate(self) -> str:
        return secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        # A fast hash is right here: the secret has full entropy, unlike a password.
        return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class RandomApiKeySecrets:
    """API keys: `th_` + 256 random bits, kept as the shared HMAC digest only (ADR 0024)."""

    def generate(self) -> str:
        return API_KEY_PREFIX + secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        return lookup_digest(secret)
