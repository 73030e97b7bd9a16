"""Revoked access tokens, kept until they would have expired anyway: single tokens by `jti`
(logout) and whole sessions by `sid` (a refresh-token family that was revoked)."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection
from typing import Protocol

import redis

from taskhive_shared.security.api_keys import (
    ApiKeyDirectory,
    InMemoryApiKeyDirectory,
    RedisApiKeyDirectory,
)


class TokenDenylist(Protocol):
    def deny(self, jti: str, expires_at: int) -> None:
        """Reject `jti` from now until `expires_at` (epoch seconds)."""

    def deny_sessions(self, session_ids: Collection[str], expires_at: int) -> None:
        """Reject every access token of these sessions (`sid`) until `expires_at`: no token
        issued before the revocation outlives it."""

    def is_denied(self, jti: str, session_id: str | None = None) -> bool:
        """True if the token or its session was revoked (one look-up)."""


class RedisTokenDenylist:
    """Shared by every service: logout in auth is seen by tasks, users … at once."""

    def __init__(self, client: redis.Redis, prefix: str = "taskhive:denylist:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "taskhive:denylist:") -> RedisTokenDenylist:
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), prefix)

    @property
    def api_keys(self) -> ApiKeyDirectory:
        """API-key records live in the same store: revoking a key is seen where a logout is."""
        return RedisApiKeyDirectory(self._client, f"{self._prefix}apikey:")

    def _session_key(self, session_id: str) -> str:
        return f"{self._prefix}sid:{session_id}"

    def deny(self, jti: str, expires_at: int) -> None:
        ttl = max(1, expires_at - int(time.time()))
        self._client.set(self._prefix + jti, b"1", ex=ttl)

    def deny_sessions(self, session_ids: Collection[str], expires_at: int) -> None:
        if not session_ids:
            return
        ttl = max(1, expires_at - int(time.time()))
        pipeline = self._client.pipeline(transaction=False)
        for session_id in session_ids:
            pipeline.set(self._session_key(session_id), b"1", ex=ttl)
        pipeline.execute()

    def is_denied(self, jti: str, session_id: str | None = None) -> bool:
        # EXISTS counts every named key that exists: the jti and the session in one round trip.
        keys = [self._prefix + jti]
        if session_id:
            keys.append(self._session_key(session_id))
        return bool(self._client.exists(*keys))

    def ping(self) -> None:
        self._client.ping()


class InMemoryTokenDenylist:
    """The embedded single-process mode: every service shares this one object."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()
        self.api_keys: ApiKeyDirectory = InMemoryApiKeyDirectory()

    def _add(self, keys: Collection[str], expires_at: int) -> None:
        with self._lock:
            now = time.time()
            self._expiry = {k: v for k, v in self._expiry.items() if v > now}
            for key in keys:
                self._expiry[key] = max(float(expires_at), self._expiry.get(key, 0.0))

    def deny(self, jti: str, expires_at: int) -> None:
        self._add([f"jti:{jti}"], expires_at)

    def deny_sessions(self, session_ids: Collection[str], expires_at: int) -> None:
        self._add([f"sid:{session_id}" for session_id in session_ids], expires_at)

    def is_denied(self, jti: str, session_id: str | None = None) -> bool:
        keys = [f"jti:{jti}"] + ([f"sid:{session_id}"] if session_id else [])
        now = time.time()
        with self._lock:
            return any(self._expiry.get(key, 0.0) > now for key in keys)


def api_key_directory_of(denylist: object) -> ApiKeyDirectory:
    """The API-key directory sharing the denylist's store; an empty one for a denylist that
    has none (test doubles): keys are then simply unknown."""
    directory = getattr(denylist, "api_keys", None)
    return directory if directory is not None else InMemoryApiKeyDirectory()
