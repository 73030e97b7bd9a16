"""The Redis session store against the real Redis (the database the test run owns)."""

from __future__ import annotations

import time
import uuid

from web_service.adapters.redis_store import RedisSessionStore


def test_documents_round_trip_and_expire(redis_url: str) -> None:
    store = RedisSessionStore.from_url(redis_url)
    key = f"web:test:{uuid.uuid4().hex}"
    store.set(key, {"user": {"id": "1"}, "flashes": [["info", "hi"]]}, ttl_seconds=1)
    assert store.get(key) == {"user": {"id": "1"}, "flashes": [["info", "hi"]]}
    time.sleep(1.2)
    assert store.get(key) is None
    store.set(key, {"a": 1}, ttl_seconds=60)
    store.delete(key)
    assert store.get(key) is None
    store.ping()


def test_the_lock_is_exclusive_across_store_instances(redis_url: str) -> None:
    """Two web processes refreshing one session must take turns."""
    first, second = RedisSessionStore.from_url(redis_url), RedisSessionStore.from_url(redis_url)
    key = f"web:test-lock:{uuid.uuid4().hex}"
    with first.lock(key, 2.0) as held:
        assert held
        started = time.monotonic()
        with second.lock(key, 0.2) as also:
            assert not also
        assert time.monotonic() - started >= 0.2
    with second.lock(key, 0.2) as now_free:
        assert now_free
