"""The shared Idempotency-Key check: go ahead, replay, or refuse another request."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from taskhive_shared.idempotency import (
    IdempotencyKeyReusedError,
    IdempotencyRecord,
    RecordedResponse,
    earlier_response,
    request_fingerprint,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
TTL = timedelta(hours=24)


class FakeStore:
    """The port's contract in memory: the first claim of a key wins; later ones see it."""

    def __init__(self) -> None:
        self.records: dict[tuple[uuid.UUID, str], IdempotencyRecord] = {}
        self.expired_before: datetime | None = None

    def claim(self, principal, key, request_hash, at, *, expired_before):
        self.expired_before = expired_before
        found = self.records.get((principal, key))
        if found is None:
            self.records[(principal, key)] = IdempotencyRecord(request_hash, None)
            return None
        return found

    def complete(self, principal, key, response):
        record = self.records[(principal, key)]
        self.records[(principal, key)] = IdempotencyRecord(record.request_hash, response)

    def purge(self, created_before, limit):
        return 0


def test_fingerprints_depend_on_route_and_body_not_key_order() -> None:
    same = request_fingerprint("r", {"a": 1, "b": [1, 2]})
    assert same == request_fingerprint("r", {"b": [1, 2], "a": 1})
    assert same != request_fingerprint("other", {"a": 1, "b": [1, 2]})
    assert same != request_fingerprint("r", {"a": 2, "b": [1, 2]})


def test_go_ahead_then_replay_then_refuse_another_body() -> None:
    store, user = FakeStore(), uuid.uuid4()
    first = request_fingerprint("r", {"n": 1})
    assert earlier_response(store, user, None, first, NOW, TTL) is None
    assert store.records == {}
    assert earlier_response(store, user, "k", first, NOW, TTL) is None
    assert store.expired_before == NOW - TTL
    answer = RecordedResponse(201, {"id": "x"})
    store.complete(user, "k", answer)
    assert earlier_response(store, user, "k", first, NOW, TTL) == answer
    with pytest.raises(IdempotencyKeyReusedError):
        earlier_response(store, user, "k", request_fingerprint("r", {"n": 2}), NOW, TTL)
    # Another caller's key of the same name is theirs.
    assert earlier_response(store, uuid.uuid4(), "k", first, NOW, TTL) is None


def test_a_claim_without_its_response_is_an_error_not_a_replay() -> None:
    store, user = FakeStore(), uuid.uuid4()
    digest = request_fingerprint("r", {})
    earlier_response(store, user, "k", digest, NOW, TTL)
    with pytest.raises(RuntimeError):
        earlier_response(store, user, "k", digest, NOW, TTL)
