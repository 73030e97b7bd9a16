"""Idempotency-Key records on real PostgreSQL: claim, replay, expiry, concurrent claims."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from taskhive_shared.idempotency import RecordedResponse

NOW = datetime.now(UTC)
LONG_AGO = NOW - timedelta(days=1)


@pytest.fixture
def uow(users_runtime):
    return users_runtime.unit_of_work


def test_first_claim_wins_and_later_ones_see_the_response(uow) -> None:
    principal, key = uuid.uuid4(), f"key-{uuid.uuid4().hex}"
    response = RecordedResponse(201, {"id": "t-1", "nested": {"n": [1, 2]}})
    with uow() as unit:
        assert (
            unit.idempotency.claim(principal, key, "hash-a", NOW, expired_before=LONG_AGO) is None
        )
        unit.idempotency.complete(principal, key, response)
        unit.commit()
    with uow() as unit:
        record = unit.idempotency.claim(principal, key, "hash-b", NOW, expired_before=LONG_AGO)
    assert record is not None
    assert record.request_hash == "hash-a"
    assert record.response == response


def test_a_key_is_per_principal(uow) -> None:
    key = f"key-{uuid.uuid4().hex}"
    with uow() as unit:
        assert unit.idempotency.claim(uuid.uuid4(), key, "h", NOW, expired_before=LONG_AGO) is None
        assert unit.idempotency.claim(uuid.uuid4(), key, "h", NOW, expired_before=LONG_AGO) is None


def test_a_rolled_back_claim_leaves_the_key_free(uow) -> None:
    principal, key = uuid.uuid4(), f"key-{uuid.uuid4().hex}"
    with uow() as unit:
        unit.idempotency.claim(principal, key, "h", NOW, expired_before=LONG_AGO)
    with uow() as unit:
        assert unit.idempotency.claim(principal, key, "h2", NOW, expired_before=LONG_AGO) is None


def test_an_expired_record_is_taken_over(uow) -> None:
    principal, key = uuid.uuid4(), f"key-{uuid.uuid4().hex}"
    old = NOW - timedelta(hours=30)
    with uow() as unit:
        unit.idempotency.claim(principal, key, "old", old, expired_before=old - timedelta(days=1))
        unit.idempotency.complete(principal, key, RecordedResponse(201, {"id": "old"}))
        unit.commit()
    with uow() as unit:
        expiry = NOW - timedelta(hours=24)
        assert unit.idempotency.claim(principal, key, "new", NOW, expired_before=expiry) is None
        unit.commit()
    with uow() as unit:
        record = unit.idempotency.claim(principal, key, "x", NOW, expired_before=LONG_AGO)
    assert record is not None
    assert (record.request_hash, record.response) == ("new", None)


def test_a_concurrent_claim_waits_for_the_first_and_then_replays(uow) -> None:
    principal, key = uuid.uuid4(), f"key-{uuid.uuid4().hex}"
    results: list[object] = []
    with uow() as first:
        assert first.idempotency.claim(principal, key, "h", NOW, expired_before=LONG_AGO) is None

        def second_claim() -> None:
            with uow() as second:
                results.append(
                    second.idempotency.claim(principal, key, "h", NOW, expired_before=LONG_AGO)
                )

        racer = threading.Thread(target=second_claim)
        racer.start()
        racer.join(timeout=0.5)
        assert racer.is_alive(), "the second claim must wait for the first transaction"
        first.idempotency.complete(principal, key, RecordedResponse(201, {"id": "winner"}))
        first.commit()
    racer.join(timeout=10)
    [record] = results
    assert record.response == RecordedResponse(201, {"id": "winner"})
