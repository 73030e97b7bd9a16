"""The task facts and their counter contributions: pure functions of the events' set."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

from analytics_service.application.queries import percentile_hours
from analytics_service.domain.model import (
    Observation,
    TaskSummary,
    contributions,
    cycle_bucket,
    derive_facts,
    difference,
)

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)
ALICE = uuid.UUID(int=1)


def summary(status: str, version: int, at: datetime, **fields: object) -> TaskSummary:
    values: dict[str, object] = {
        "task_id": uuid.UUID(int=99),
        "version": version,
        "title": "T",
        "status": status,
        "priority": "low",
        "due_date": None,
        "story_points": 3,
        "team_id": None,
        "parent_task_id": None,
        "created_by": ALICE,
        "assignee_ids": (),
        "tags": (),
        "is_archived": False,
        "occurred_at": at,
    } | fields
    return TaskSummary(**values)  # type: ignore[arg-type]


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


LIFE = [
    Observation(at(0), 1, "todo"),
    Observation(at(1), 2, "in_progress"),
    Observation(at(3), 3, "in_progress"),  # a comment: no new interval
    Observation(at(5), 4, "done"),
    Observation(at(6), 5, "in_progress"),  # reopened
    Observation(at(9), 6, "done"),
]


def test_facts_do_not_depend_on_the_order_of_observations() -> None:
    last = summary("done", 6, at(9))
    facts = {
        repr(derive_facts(last, order, deleted=False))
        for order in itertools.islice(itertools.permutations(LIFE), 0, 720, 37)
    }
    assert len(facts) == 1


def test_lead_cycle_and_time_in_status_of_a_reopened_task() -> None:
    facts = derive_facts(summary("done", 6, at(9)), LIFE, deleted=False)
    assert (facts.created_at, facts.started_at, facts.completed_at) == (at(0), at(1), at(9))
    assert (facts.lead_seconds, facts.cycle_seconds) == (9 * 3600, 8 * 3600)
    assert facts.time_in_status == {"todo": 3600, "in_progress": 7 * 3600, "done": 3600}


def test_an_observation_inside_a_run_closes_no_interval() -> None:
    with_snapshot = [*LIFE, Observation(at(30), 6, "done")]
    plain = derive_facts(summary("done", 6, at(9)), LIFE, deleted=False)
    later = derive_facts(summary("done", 6, at(30)), with_snapshot, deleted=False)
    assert later.time_in_status == plain.time_in_status
    assert later.completed_at == plain.completed_at


def test_contributions_count_once_per_scope_and_retract_exactly() -> None:
    team = uuid.UUID(int=7)
    open_task = derive_facts(
        summary("todo", 1, at(0), team_id=team, assignee_ids=(ALICE,)), LIFE[:1], deleted=False
    )
    done = derive_facts(summary("done", 6, at(9), team_id=team), LIFE, deleted=False)
    added = contributions(open_task)
    scopes = {(k.scope, k.scope_id) for k in added.hourly}
    assert scopes == {("all", uuid.UUID(int=0)), ("user", ALICE), ("team", team)}
    assert difference(open_task, open_task).hourly == {}
    moved = difference(open_task, done)
    assert sum(v["completed"] for v in moved.hourly.values()) == 3
    assert sum(moved.dimensions.values()) == -3  # the assignee left: one value fewer per scope
    gone = difference(done, derive_facts(done.summary, LIFE, deleted=True))
    assert gone.hourly == {}  # history stays
    assert sum(gone.dimensions.values()) < 0  # today's figures lose it


def test_cycle_time_percentiles_come_from_power_of_two_buckets() -> None:
    assert [cycle_bucket(s * 60) for s in (0.5, 1, 2, 3, 64)] == [0, 1, 2, 2, 7]
    histogram = {cycle_bucket(120 * 60): 9, cycle_bucket(3000 * 60): 1}
    assert percentile_hours(histogram, 0.5) == 2.13
    assert percentile_hours(histogram, 0.95) == 68.27
    assert percentile_hours({}, 0.5) is None
