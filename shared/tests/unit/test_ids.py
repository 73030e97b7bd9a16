"""uuid7: RFC 9562 version 7, time-ordered and unique."""

from __future__ import annotations

import itertools
import time
import uuid

from taskhive_shared.ids import uuid7


def test_version_and_variant() -> None:
    value = uuid7()
    assert isinstance(value, uuid.UUID)
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_timestamp_is_the_current_unix_millisecond() -> None:
    before = time.time_ns() // 1_000_000
    value = uuid7()
    after = time.time_ns() // 1_000_000
    # Borrowing the next millisecond when the counter runs out may add a few milliseconds.
    assert before <= value.int >> 80 <= after + 5


def test_monotonic_and_unique_in_a_tight_loop() -> None:
    values = [uuid7() for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(a.bytes < b.bytes for a, b in itertools.pairwise(values))
    assert len(set(values)) == len(values)
    assert all(v.version == 7 and v.variant == uuid.RFC_4122 for v in values)


def test_string_order_is_creation_order() -> None:
    values = [str(uuid7()) for _ in range(1_000)]
    assert values == sorted(values)
