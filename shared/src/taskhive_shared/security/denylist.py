"""Revoked access-token ids (`jti`), kept until the token would have expired anyway."""

from __future__ import annotations

import threading
import time
from typing import Protocol

import redis


class TokenDenylist(Protocol):
    def deny(self, jti: str, expires_at: int) -> None:
        """Reject `jti` from now until `expires_at` (epoch seconds)."""

    def is_denied(self, jti: str) -> bool: ...


class RedisTokenDenylist:
    """Shared by every service: logout in auth is seen by tasks, users … at once."""

    def __init__(self, client: redis.Redis, prefix: str = "taskhive:denylist:") -> None:
        self._client = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "taskhive:denylist:") -> RedisTokenDenylist:
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2), prefix)

    def deny(self, jti: str, expires_at: int) -> None:
        ttl = max(1, expires_at - int(time.time()))
        self._client.set(self._prefix + jti, b"1", ex=ttl)

    def is_denied(self, jti: str) -> bool:
        return bool(self._client.exists(self._prefix + jti))

    def ping(self) -> None:
        self._client.ping()


class InMemoryTokenDenylist:
    """The embedded single-process mode: every service shares this one object."""

    def __init__(self) -> None:
        self._expiry: dict[str, float] = {}
        self._lock = threading.Lock()

    def deny(self, jti: str, expires_at: int) -> None:
        with self._lock:
            now = time.time()
            self._expiry = {k: v for k, v in self._expiry.items() if v > now}
            self._expiry[jti] = float(expires_at)

    def is_denied(self, jti: str) -> bool:
        with self._lock:
            expiry = self._expiry.get(jti)
        return expiry is not None and expiry > time.time()
