"""`OutboxWriter.add_events`: a batch job's events in one statement, in order, each checked
against its contract, and the relay woken once at commit."""

from __future__ import annotations

from typing import Any

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


def _statements(engine: sa.Engine) -> tuple[list[str], Any]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    return seen, count


def test_events_of_one_transaction_keep_their_order_and_wake_the_relay_once(
    backbone_engine, unit_of_work, clean_tables
) -> None:
    seen, count = _statements(backbone_engine)
    try:
        with unit_of_work() as uow:
            uow.outbox.add_event(EVENT_TYPE, "first", {"item": 1})
            uow.outbox.add_events([(EVENT_TYPE, "second", {"item": 2})])
            uow.outbox.add_event(EVENT_TYPE, "third", {"item": 3})
            uow.commit()
    finally:
        sa.event.remove(backbone_engine, "before_cursor_execute", count)
    # One statement per call, the relay's wake-up in the first of them only.
    assert len(seen) == 3
    assert ["pg_notify" in statement for statement in seen] == [True, False, False]
    with backbone_engine.connect() as connection:
        subjects = connection.execute(sa.select(outbox.c.subject).order_by(outbox.c.seq)).scalars()
        assert list(subjects) == ["first", "second", "third"]


def test_a_savepoint_rolled_back_takes_its_wake_up_and_the_next_event_sends_another(
    backbone_engine, unit_of_work, clean_tables
) -> None:
    with backbone_engine.connect() as listener:
        listener.execute(sa.text(f"LISTEN {SCHEMA}_outbox"))
        listener.commit()
        with unit_of_work() as uow:
            savepoint = uow.session.begin_nested()
            uow.outbox.add_event(EVENT_TYPE, "undone", {"item": 1})
            savepoint.rollback()
            uow.outbox.add_event(EVENT_TYPE, "kept", {"item": 2})
            uow.commit()
        raw = listener.connection.driver_connection
        notices = list(raw.notifies(timeout=5, stop_after=1))  # type: ignore[union-attr]
    assert [n.channel for n in notices] == [f"{SCHEMA}_outbox"]
    with backbone_engine.connect() as connection:
        rows = connection.execute(sa.select(outbox.c.subject, outbox.c.causation_id)).all()
    assert [row.subject for row in rows] == ["kept"]


def test_add_event_keeps_its_causation_id(backbone_engine, unit_of_work, clean_tables) -> None:
    with unit_of_work() as uow:
        envelope = uow.outbox.add_event(EVENT_TYPE, "caused", {"item": 1}, causation_id="cause-1")
        uow.commit()
    with backbone_engine.connect() as connection:
        row = connection.execute(sa.select(outbox).where(outbox.c.id == envelope.id)).one()
    assert (row.causation_id, row.type, row.source, row.data) == (
        "cause-1",
        EVENT_TYPE,
        "demo",
        {"item": 1},
    )
    assert row.time == envelope.time
