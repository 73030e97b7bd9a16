"""Status events start and stop automatic timers exactly once: duplicates, redeliveries and
reordered events included (the consumer's inbox and the replica's versions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from services.timetracking.tests.world import World
from taskhive_shared.events.consumer import Outcome

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def entries_of(engine: sa.Engine, user: Any) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.text(
                    "SELECT task_id, source, started_at, ended_at, duration_minutes "
                    "FROM timetracking.entries WHERE user_id = :u ORDER BY started_at"
                ),
                {"u": user},
            )
        )


def auto_tracking(client: Any, headers: dict[str, str]) -> None:
    answer = client.put("/api/v1/time/preferences/", json={"auto_tracking": True}, headers=headers)
    assert answer.status_code == 200


def test_in_progress_and_back_records_one_automatic_entry_despite_duplicates(
    client, world: World, auth_for, admin_engine
) -> None:
    me = world.user()
    auto_tracking(client, auth_for(me))
    task = world.task(me, assignees=(me,))
    started = world.move(task, "in_progress", occurred_at=T0)
    assert world.deliver(started).outcome is Outcome.APPLIED
    assert world.deliver(started).outcome is Outcome.DUPLICATE
    stopped = world.move(task, "in_review", occurred_at=T0 + timedelta(minutes=75))
    world.deliver(stopped)
    world.deliver(stopped)
    rows = entries_of(admin_engine, me)
    assert len(rows) == 1
    assert rows[0].source == "automatic"
    assert rows[0].duration_minutes == 75


def test_reordered_events_never_leave_a_timer_running(
    client, world: World, auth_for, admin_engine
) -> None:
    me = world.user()
    auto_tracking(client, auth_for(me))
    task = world.task(me, assignees=(me,))
    started = world.move(task, "in_progress", occurred_at=T0)
    stopped = world.move(task, "done", occurred_at=T0 + timedelta(minutes=30))
    world.deliver(stopped)  # the newer one first
    world.deliver(started)  # stale: changes nothing
    assert entries_of(admin_engine, me) == []


def test_users_without_auto_tracking_get_no_timer_and_manual_timers_are_theirs(
    client, world: World, auth_for, admin_engine
) -> None:
    manual, auto = world.user(), world.user()
    auto_tracking(client, auth_for(auto))
    task = world.task(manual, assignees=(manual, auto))
    own = client.post(
        "/api/v1/time/timer/start", json={"task_id": str(task.task_id)}, headers=auth_for(manual)
    )
    assert own.status_code == 201
    world.deliver(world.move(task, "in_progress", occurred_at=T0))
    world.deliver(world.move(task, "blocked", occurred_at=T0 + timedelta(minutes=10)))
    assert [r.source for r in entries_of(admin_engine, auto)] == ["automatic"]
    # The manual timer is still running: the workflow stops only what it started.
    assert client.get("/api/v1/time/timer/", headers=auth_for(manual)).get_json()["running"]


def test_an_automatic_timer_stops_the_users_other_timer_and_unassignment_stops_it(
    client, world: World, auth_for, admin_engine
) -> None:
    me, other = world.user(), world.user()
    auto_tracking(client, auth_for(me))
    first = world.task(me, assignees=(me,))
    second = world.task(me, assignees=(me, other))
    world.deliver(world.move(first, "in_progress", occurred_at=T0))
    world.deliver(world.move(second, "in_progress", occurred_at=T0 + timedelta(minutes=20)))
    second.assignee_ids = [other]
    second.version += 1
    world.deliver(
        world.task_event(
            second,
            "tasks.task.unassigned.v1",
            occurred_at=T0 + timedelta(minutes=50),
            user_ids=[str(me)],
        )
    )
    rows = entries_of(admin_engine, me)
    assert [(r.task_id, r.duration_minutes) for r in rows] == [
        (first.task_id, 20),
        (second.task_id, 30),
    ]
