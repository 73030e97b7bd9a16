"""What the observability of ADR 0025 needs from every service, checked over the source tree so
that a service added later is held to it too: an outbox that has the traceparent column (one
migration calling `add_outbox_traceparent` after `create_outbox_table_v1`)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WITH_OUTBOX = sorted(
    path.parents[2].name
    for path in ROOT.glob("services/*/migrations/versions/*.py")
    if "create_outbox_table_v1(" in path.read_text("utf-8")
)


def test_the_known_services_have_an_outbox() -> None:
    assert {"auth", "users", "tasks"} <= set(WITH_OUTBOX)


@pytest.mark.parametrize("service", WITH_OUTBOX)
def test_every_outbox_gets_its_traceparent_column(service: str) -> None:
    migrations = (ROOT / "services" / service / "migrations" / "versions").glob("*.py")
    assert any("add_outbox_traceparent(" in path.read_text("utf-8") for path in migrations), (
        f"{service}: add a migration calling taskhive_shared.events.outbox."
        "add_outbox_traceparent(SCHEMA) (the outbox table of the code has the column)"
    )
