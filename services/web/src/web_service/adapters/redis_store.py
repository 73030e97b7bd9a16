"""Sessions in Redis: every web process (and every replica) sees the same sessions."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import redis

# Deletes the lock only if it still holds our token (it may have expired and been retaken).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisSessionStore:
    def __init__(self, client: redis.Redis) -> None:
        self._redis = client
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str) -> RedisSessionStore:
        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))

    def get(self, key: str) -> dict[str, Any] | None:
        raw = self._redis.get(key)
        if raw is None:
            return None
        try:
            value = json.loads(cast(bytes, raw))
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any], ttl_seconds: int) -> None:
        self._redis.set(key, json.dumps(value, separators=(",", ":")), ex=ttl_seconds)

    def delete(self, key: str) -> None:
        self._redis.delete(key)

    @contextmanager
    def lock(self, key: str, timeout_seconds: float) -> Iterator[bool]:
        """SET NX with an expiry (a crashed holder frees it), polled until `timeout_seconds`."""
        token = uuid.uuid4().hex
        deadline = time.monotonic() + timeout_seconds
        held = False
        while True:
            if self._redis.set(key, token, nx=True, px=int(timeout_seconds * 1000) + 5000):
                held = True
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(0.02)
        try:
            yield held
        finally:
            if held:
                self._release(keys=[key], args=[token])

    def ping(self) -> None:
        self._redis.ping()
