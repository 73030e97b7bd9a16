"""Opaque refresh-token secrets: 256 random bits, stored as a SHA-256 digest only."""

from __future__ import annotations

import hashlib
import secrets


class RandomRefreshTokenSecrets:
    def generate(self) -> str:
        return secrets.token_urlsafe(32)

    def digest(self, secret: str) -> str:
        # A fast hash is right here: the secret has full entropy, unlike a password.
        return hashlib.sha256(secret.encode("utf-8")).hexdigest()
