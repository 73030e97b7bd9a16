"""The shared API-key verifier: expiry, the cache bound on revocation, last-used, scopes."""

from __future__ import annotations

import pytest

from taskhive_shared.security.api_keys import (
    ApiKeyRecord,
    ApiKeyVerifier,
    InMemoryApiKeyDirectory,
    InvalidApiKey,
    lookup_digest,
    required_scope,
)

KEY = "th_" + "k" * 43


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _setup(expires_at: int = 2_000_000_000):
    directory = InMemoryApiKeyDirectory()
    record = ApiKeyRecord("k1", "u1", "member", frozenset({"tasks:read"}), expires_at)
    directory.publish(lookup_digest(KEY), record)
    mono, wall = Clock(100.0), Clock(1_000_000_000.0)
    verifier = ApiKeyVerifier(directory, cache_seconds=2.0, clock=mono, wall_clock=wall)
    return directory, verifier, mono, wall


def test_a_published_key_verifies_and_records_last_use_once_a_minute():
    directory, verifier, _, wall = _setup()
    assert verifier.verify(KEY).user_id == "u1"
    assert directory.last_used(["k1"]) == {"k1": 1_000_000_000}
    wall.now += 30
    verifier.verify(KEY)
    assert directory.last_used(["k1"]) == {"k1": 1_000_000_000}
    wall.now += 31
    verifier.verify(KEY)
    assert directory.last_used(["k1"]) == {"k1": 1_000_000_061}


def test_a_withdrawn_key_stops_once_the_cache_entry_ages_out():
    directory, verifier, mono, _ = _setup()
    verifier.verify(KEY)
    directory.withdraw([lookup_digest(KEY)])
    mono.now += 1.9
    verifier.verify(KEY)  # still cached: the bound, not a bug
    mono.now += 0.2
    with pytest.raises(InvalidApiKey, match="unknown or revoked"):
        verifier.verify(KEY)


def test_an_expired_key_is_refused():
    _, verifier, _, wall = _setup(expires_at=1_000_000_010)
    verifier.verify(KEY)
    wall.now += 10
    with pytest.raises(InvalidApiKey, match="expired"):
        verifier.verify(KEY)


@pytest.mark.parametrize("key", ["th_" + "x" * 200, "nope", "th_\x00"])
def test_malformed_or_unknown_keys_are_refused(key):
    _, verifier, _, _ = _setup()
    with pytest.raises(InvalidApiKey):
        verifier.verify(key)


@pytest.mark.parametrize(
    ("method", "scope"),
    [
        ("GET", "tasks:read"),
        ("HEAD", "tasks:read"),
        ("POST", "tasks:write"),
        ("PATCH", "tasks:write"),
        ("DELETE", "tasks:write"),
    ],
)
def test_required_scope_follows_the_method(method, scope):
    assert required_scope("tasks", method) == scope
