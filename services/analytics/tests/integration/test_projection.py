"""The read model through the real consumer path (contract, inbox, PostgreSQL): the same
events in any order, delivered once or several times, give the same model."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from analytics_service.adapters.persistence.tables import (
    COUNTER_TABLES,
    dimension_counters,
    hourly_counters,
    tasks,
)
from analytics_service.bootstrap import AnalyticsRuntime
from services.analytics.tests.events import T0, TaskScript, hours
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7


def a_week_of_work(alice: uuid.UUID, bob: uuid.UUID, team: uuid.UUID) -> list[EventEnvelope]:
    """Three tasks: one done on time, one reopened and done late, one still in review."""
    parent = TaskScript(created_by=alice, team_id=str(team), story_points=8)
    first = TaskScript(
        created_by=alice,
        team_id=str(team),
        story_points=3,
        parent_task_id=str(parent.task_id),
        due_date=(T0 + hours(48)).isoformat(),
    )
    second = TaskScript(created_by=bob, team_id=str(team), story_points=5, tags=["api"])
    return [
        parent.created(T0),
        first.created(T0 + hours(1)),
        first.assigned(T0 + hours(2), bob),
        first.moved("in_progress", T0 + hours(3)),
        first.moved("done", T0 + hours(27)),
        second.created(T0 + hours(2)),
        second.moved("in_progress", T0 + hours(4)),
        second.moved("done", T0 + hours(10)),
        second.moved("in_progress", T0 + hours(30)),
        second.updated(T0 + hours(31), priority="urgent", story_points=2),
        second.moved("done", T0 + hours(50)),
        parent.moved("in_progress", T0 + hours(5)),
        parent.moved("in_review", T0 + hours(60)),
    ]


def test_out_of_order_and_duplicate_events_give_the_same_model(
    deliver: Callable[[EventEnvelope], Outcome],
    clean_model: Callable[[], None],
    model_dump: Callable[[], dict[str, Any]],
) -> None:
    events = a_week_of_work(uuid7(), uuid7(), uuid7())
    clean_model()
    for envelope in events:
        deliver(envelope)
    in_order = model_dump()
    assert in_order["hourly_counters"]
    assert in_order["dimension_counters"]

    for seed in (1, 2, 3):
        clean_model()
        shuffled = list(events)
        random.Random(seed).shuffle(shuffled)
        # Every event twice, the copies late and shuffled too: the inbox drops them.
        copies = list(events)
        random.Random(seed + 10).shuffle(copies)
        outcomes = [deliver(envelope) for envelope in shuffled + copies]
        assert outcomes.count(Outcome.DUPLICATE) == len(events)
        assert model_dump() == in_order, f"order of seed {seed} gave another model"


def test_a_redelivered_event_under_a_new_id_changes_nothing(
    deliver: Callable[[EventEnvelope], Outcome],
    model_dump: Callable[[], dict[str, Any]],
) -> None:
    events = a_week_of_work(uuid7(), uuid7(), uuid7())
    for envelope in events:
        deliver(envelope)
    before = model_dump()
    for envelope in events[:5]:
        # Same content, another envelope id (a producer's retry after a lost confirm).
        again = EventEnvelope(
            type=envelope.type, source="tasks", subject=envelope.subject, data=envelope.data
        )
        assert deliver(again) is Outcome.APPLIED
    assert model_dump() == before


def test_facts_and_counters_of_a_task_life(
    deliver: Callable[[EventEnvelope], Outcome], analytics_runtime: AnalyticsRuntime
) -> None:
    alice, bob, team = uuid7(), uuid7(), uuid7()
    events = a_week_of_work(alice, bob, team)
    for envelope in reversed(events):
        deliver(envelope)
    first_id = uuid.UUID(events[1].subject)
    second_id = uuid.UUID(events[5].subject)
    with analytics_runtime.engine.connect() as connection:
        first = connection.execute(sa.select(tasks).where(tasks.c.id == first_id)).one()
        second = connection.execute(sa.select(tasks).where(tasks.c.id == second_id)).one()
        team_hours = connection.execute(
            sa.select(
                sa.func.sum(hourly_counters.c.created),
                sa.func.sum(hourly_counters.c.completed),
                sa.func.sum(hourly_counters.c.points_completed),
                sa.func.sum(hourly_counters.c.completed_on_time),
                sa.func.sum(hourly_counters.c.completed_with_due),
            ).where(hourly_counters.c.scope == "team", hourly_counters.c.scope_id == team)
        ).one()
        team_status = dict(
            connection.execute(
                sa.select(dimension_counters.c.key, dimension_counters.c.count).where(
                    dimension_counters.c.scope == "team",
                    dimension_counters.c.scope_id == team,
                    dimension_counters.c.dimension == "status",
                )
            ).all()
        )
    assert first.lead_seconds == 26 * 3600
    assert first.cycle_seconds == 24 * 3600
    assert first.time_in_status == {"todo": 2 * 3600, "in_progress": 24 * 3600}
    # Reopened: completed the last time it reached done; its points after the update.
    assert second.completed_at == T0 + hours(50)
    assert second.cycle_seconds == 46 * 3600
    assert second.time_in_status == {"todo": 7200, "in_progress": 26 * 3600, "done": 20 * 3600}
    assert tuple(team_hours) == (3, 2, 3 + 2, 1, 1)
    assert team_status == {"done": 2, "in_review": 1}


def test_a_task_that_leaves_a_team_leaves_no_counter_rows_behind(
    deliver: Callable[[EventEnvelope], Outcome], analytics_runtime: AnalyticsRuntime
) -> None:
    """Rows whose counts all fall back to zero go, in every counter table (and only they)."""
    alice, old_team, new_team = uuid7(), uuid7(), uuid7()
    task = TaskScript(
        created_by=alice,
        team_id=str(old_team),
        story_points=3,
        due_date=(T0 + hours(9)).isoformat(),
    )
    deliver(task.created(T0))
    deliver(task.moved("in_progress", T0 + hours(1)))
    deliver(task.moved("done", T0 + hours(2)))
    deliver(task.moved("in_progress", T0 + hours(3)))  # reopened: open with a due date again

    def rows_of(team: uuid.UUID) -> dict[str, int]:
        with analytics_runtime.engine.connect() as connection:
            return {
                table.name: connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(table.c.scope == "team", table.c.scope_id == team)
                )
                or 0
                for table in COUNTER_TABLES
            }

    # Created (one hour row), reopened (its cycle time and completion went), open and due;
    # status, priority and team counted (no assignee, no tag).
    counted = {"hourly_counters": 1, "cycle_histogram": 0, "dimension_counters": 3}
    assert rows_of(old_team) == counted | {"due_counters": 1}
    deliver(task.updated(T0 + hours(4), team_id=str(new_team)))
    assert rows_of(old_team) == dict.fromkeys(counted | {"due_counters": 0}, 0)
    assert rows_of(new_team) == counted | {"due_counters": 1}
