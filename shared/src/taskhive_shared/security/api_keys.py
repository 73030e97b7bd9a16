"""API keys as caller identities in every service (ADR 0024).

Auth issues a key (`th_` + 256 random bits) and publishes a small record of it into the
shared revocation store (the Redis of the denylist; one in-process object in the embedded
mode), under the SHA-256 of the key. Any service turns `Authorization: Bearer th_…` into a
`Principal` with one hash and a lookup in a short in-process cache; on a miss, one Redis GET.
Revoking withdraws the record: a cached record lives at most `cache_seconds`, so a revoked key
stops everywhere within that bound (ADR 0024: ≤ 5 s). Scopes (`<service>:read|write`) are
enforced by `require_scope`, the one implementation every service calls through
`authenticate`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Protocol

import redis

API_KEY_PREFIX = "th_"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class InvalidApiKey(Exception):
    """Refused with 401; the message says why (safe to show)."""


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What a service needs to know about a key: whose it is and what it may do."""

    key_id: str
    user_id: str
    role: str
    scopes: frozenset[str]
    expires_at: int
    """Epoch seconds."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "key_id": self.key_id,
                "user_id": self.user_id,
                "role": self.role,
                "scopes": sorted(self.scopes),
                "expires_at": self.expires_at,
            }
        )

    @classmethod
    def from_json(cls, raw: str | bytes) -> ApiKeyRecord:
        data = json.loads(raw)
        return cls(
            key_id=str(data["key_id"]),
            user_id=str(data["user_id"]),
            role=str(data["role"]),
            scopes=frozenset(str(scope) for scope in data["scopes"]),
            expires_at=int(data["expires_at"]),
        )


DIGEST_KEY = b"taskhive-api-key-v1"
"""The HMAC key: a domain separator, not a secret. Every verifier must compute the digest, and
a 256-bit key needs no secret pepper to be safe from guessing (ADR 0024)."""


def lookup_digest(key: str) -> str:
    """The only form a key is kept in (auth's table and the shared directory): HMAC-SHA256,
    fast on purpose (no KDF on the request path; the key has full entropy)."""
    return hmac.new(DIGEST_KEY, key.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def required_scope(service: str, method: str) -> str:
    """Reads (GET, HEAD, OPTIONS) need `<service>:read`, anything else `<service>:write`."""
    return f"{service}:{'read' if method.upper() in SAFE_METHODS else 'write'}"


class ApiKeyDirectory(Protocol):
    def publish(self, digest: str, record: ApiKeyRecord) -> None: ...

    def withdraw(self, digests: Collection[str]) -> None: ...

    def find(self, digest: str) -> ApiKeyRecord | None: ...

    def touch(self, key_id: str, at: int) -> None:
        """Remember that the key was used at `at` (epoch seconds)."""

    def last_used(self, key_ids: Collection[str]) -> dict[str, int]: ...


class RedisApiKeyDirectory:
    """Shared by every service; records expire with their keys."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = prefix

    def _record_key(self, digest: str) -> str:
        return f"{self._prefix}key:{digest}"

    def _used_key(self, key_id: str) -> str:
        return f"{self._prefix}used:{key_id}"

    def publish(self, digest: str, record: ApiKeyRecord) -> None:
        ttl = record.expires_at - int(time.time())
        if ttl > 0:
            self._client.set(self._record_key(digest), record.to_json(), ex=ttl)

    def withdraw(self, digests: Collection[str]) -> None:
        if digests:
            self._client.delete(*(self._record_key(digest) for digest in digests))

    def find(self, digest: str) -> ApiKeyRecord | None:
        raw = self._client.get(self._record_key(digest))
        return ApiKeyRecord.from_json(raw) if isinstance(raw, bytes | str) else None

    def touch(self, key_id: str, at: int) -> None:
        self._client.set(self._used_key(key_id), str(at), ex=400 * 86_400)

    def last_used(self, key_ids: Collection[str]) -> dict[str, int]:
        ids = list(key_ids)
        if not ids:
            return {}
        values = self._client.mget([self._used_key(key_id) for key_id in ids])
        return {
            key_id: int(value)
            for key_id, value in zip(ids, values, strict=True)
            if isinstance(value, bytes | str)
        }


class InMemoryApiKeyDirectory:
    """The embedded single-process mode (and unit tests): one object every service shares."""

    def __init__(self) -> None:
        self._records: dict[str, ApiKeyRecord] = {}
        self._used: dict[str, int] = {}
        self._lock = threading.Lock()

    def publish(self, digest: str, record: ApiKeyRecord) -> None:
        with self._lock:
            self._records[digest] = record

    def withdraw(self, digests: Collection[str]) -> None:
        with self._lock:
            for digest in digests:
                self._records.pop(digest, None)

    def find(self, digest: str) -> ApiKeyRecord | None:
        with self._lock:
            return self._records.get(digest)

    def touch(self, key_id: str, at: int) -> None:
        with self._lock:
            self._used[key_id] = at

    def last_used(self, key_ids: Collection[str]) -> dict[str, int]:
        with self._lock:
            return {key_id: self._used[key_id] for key_id in key_ids if key_id in self._used}


@dataclass(frozen=True, slots=True)
class _Cached:
    record: ApiKeyRecord | None
    until: float


class ApiKeyVerifier:
    """Key → record, with a bounded in-process cache (misses cached too: a flood of made-up
    keys costs one Redis GET per key per `cache_seconds`, and the gateway limits it per IP)."""

    def __init__(
        self,
        directory: ApiKeyDirectory,
        *,
        cache_seconds: float = 2.0,
        touch_every_seconds: int = 60,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._directory = directory
        self._cache_seconds = cache_seconds
        self._touch_every = touch_every_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._wall_clock = wall_clock
        self._cache: dict[str, _Cached] = {}
        self._touched: dict[str, int] = {}
        self._lock = threading.Lock()

    def verify(self, key: str) -> ApiKeyRecord:
        if not key.startswith(API_KEY_PREFIX) or len(key) > 128:
            raise InvalidApiKey("malformed API key")
        digest = lookup_digest(key)
        now = self._clock()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is None or cached.until <= now:
            cached = _Cached(self._directory.find(digest), now + self._cache_seconds)
            with self._lock:
                if len(self._cache) >= self._max_entries:
                    self._cache.clear()
                self._cache[digest] = cached
        record = cached.record
        wall = int(self._wall_clock())
        if record is None:
            raise InvalidApiKey("unknown or revoked API key")
        if record.expires_at <= wall:
            raise InvalidApiKey("API key expired")
        self._note_use(record.key_id, wall)
        return record

    def _note_use(self, key_id: str, wall: int) -> None:
        # Last-used is advisory: written at most once a minute per key and process.
        with self._lock:
            if wall - self._touched.get(key_id, 0) < self._touch_every:
                return
            self._touched[key_id] = wall
        self._directory.touch(key_id, wall)
