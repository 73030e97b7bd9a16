"""`OutboxWriter.add_events`: a batch job's events in one statement, in order, each checked
against its contract, and the relay woken once at commit."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shared.tests.integration.backbone import EVENT_TYPE, SCHEMA, outbox
from taskhive_shared.events.contracts import ContractViolation


def test_a_batch_lands_in_order_and_wakes_the_relay(
    backbone_engine, unit_of_work, clean_tables
) -> None:
    with backbone_engine.connect() as listener:
        listener.execute(sa.text(f"LISTEN {SCHEMA}_outbox"))
        listener.commit()
        with unit_of_work() as uow:
            uow.outbox.add_events([(EVENT_TYPE, f"item-{n}", {"item": n}) for n in range(5)])
            uow.commit()
        raw = listener.connection.driver_connection
        notices = list(raw.notifies(timeout=5, stop_after=1))  # type: ignore[union-attr]
    assert [n.channel for n in notices] == [f"{SCHEMA}_outbox"]
    with backbone_engine.connect() as connection:
        rows = connection.execute(
            sa.select(outbox.c.subject, outbox.c.data, outbox.c.type).order_by(outbox.c.seq)
        ).all()
    assert [row.subject for row in rows] == [f"item-{n}" for n in range(5)]
    assert [row.data for row in rows] == [{"item": n} for n in range(5)]
    assert {row.type for row in rows} == {EVENT_TYPE}


def test_one_event_breaking_its_contract_writes_none(
    backbone_engine, unit_of_work, clean_tables
) -> None:
    with unit_of_work() as uow, pytest.raises(ContractViolation):
        uow.outbox.add_events(
            [(EVENT_TYPE, "good", {"item": 1}), (EVENT_TYPE, "bad", {"item": "one"})]
        )
    with backbone_engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(outbox)).scalar() == 0
