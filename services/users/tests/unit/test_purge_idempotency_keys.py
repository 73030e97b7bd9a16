"""PurgeIdempotencyKeys: only records past the replay window go, a batch at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta

from users_unit_fakes import IdempotencyRow, UsersHarness


def test_deletes_expired_records_only_in_batches(harness: UsersHarness) -> None:
    now = harness.clock.now()
    principal = uuid.uuid4()
    keys = harness.store.state.idempotency
    for n in range(5):
        keys[(principal, f"old-{n}")] = IdempotencyRow("h", now - timedelta(hours=25 + n))
    keys[(principal, "fresh")] = IdempotencyRow("h", now - timedelta(hours=23))
    commits = harness.store.commits

    assert harness.purge_idempotency() == 5

    assert list(harness.store.state.idempotency) == [(principal, "fresh")]
    assert harness.store.commits - commits == 3  # batches of 2: 2, 2, 1
    assert harness.purge_idempotency() == 0
