"""The score job on real PostgreSQL (ADR 0033): it rescores only the tasks whose score changes
by its moment (each row stores that instant), yet the stored scores always equal a full
recomputation, across due-date and age bends; it writes no row whose score did not change;
and it catches up the blockers a writer had to skip."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from taskhive_shared.ids import uuid7
from tasks_service.adapters.clock import SystemClock
from tasks_service.application.scores import RefreshScores
from tasks_service.domain.model import Priority, Task, TaskFields

NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)
FRESH = """SELECT t.id, t.score, tasks.task_score(t.status, t.priority, t.due_date, t.created_at,
    t.is_archived, (SELECT count(*) FROM tasks.task_dependencies sd
        JOIN tasks.tasks sb ON sb.id = sd.task_id
        WHERE sd.blocked_by_id = t.id AND NOT sb.is_archived
          AND sb.status NOT IN ('done', 'cancelled')), :at) AS fresh, t.xmin::text AS xmin
    FROM tasks.tasks t WHERE t.id = ANY(:ids)"""


def create(runtime, tasks: Sequence[Task]) -> list[uuid.UUID]:
    with runtime.unit_of_work() as uow:
        for task in tasks:
            uow.tasks.add(task)
        uow.commit()
    return [task.id for task in tasks]


def task(born: datetime, due: datetime | None, priority: Priority = Priority.MEDIUM) -> Task:
    fields = TaskFields(title=f"scored {uuid.uuid4().hex[:6]}", priority=priority, due_date=due)
    return Task.create(task_id=uuid7(), fields=fields, created_by=uuid7(), at=born)


def scores(admin_engine, ids: Sequence[uuid.UUID], at: datetime) -> dict[uuid.UUID, tuple]:
    """id → (stored score, score recomputed at `at`, row version)."""
    with admin_engine.connect() as connection:
        rows = connection.execute(sa.text(FRESH), {"ids": list(ids), "at": at})
        return {row.id: (row.score, row.fresh, row.xmin) for row in rows}


def a_spread_of_tasks(runtime) -> list[uuid.UUID]:
    """Due dates on both sides of the 14-day ramp and of the due instant, ages on both sides
    of 30 days, a blocker, every priority."""
    tasks = []
    for hours_old in (0, 5, 26, 24 * 29 + 23):
        born = NOW - timedelta(hours=hours_old)
        for due_in in (None, -3.0, 0.1, 2.5, 13.9, 14.05, 20.0, 45.0):
            due = None if due_in is None else NOW + timedelta(days=due_in)
            for priority in Priority:
                tasks.append(task(born, due, priority))
    ids = create(runtime, tasks)
    with runtime.unit_of_work() as uow:
        for blocked, blocker in ((ids[0], ids[1]), (ids[2], ids[1]), (ids[3], ids[9])):
            for task_id in sorted({blocked, blocker}):
                uow.tasks.get_for_update(task_id).link_dependency(
                    blocked, blocker, by=uuid7(), at=NOW
                )
        uow.commit()
    return ids


def test_the_job_keeps_every_score_equal_to_a_full_recomputation(
    tasks_runtime, admin_engine
) -> None:
    ids = a_spread_of_tasks(tasks_runtime)
    refresh = RefreshScores(tasks_runtime.unit_of_work, SystemClock(), batch=7)
    # Across due instants, the start and end of 14-day ramps and 30-day ages; short steps and
    # long ones (a job that did not run for days).
    steps = (
        timedelta(minutes=15),
        timedelta(hours=3),
        timedelta(hours=2, minutes=30),
        timedelta(days=2),
        timedelta(minutes=15),
        timedelta(days=5, hours=7),
        timedelta(days=6, hours=20),
        timedelta(days=16),
        timedelta(minutes=45),
    )
    at = NOW
    changed_total = 0
    for step in steps:
        at += step
        changed_total += refresh(at)
        wrong = {i: v for i, v in scores(admin_engine, ids, at).items() if v[0] != v[1]}
        assert wrong == {}, f"at {at}"
    assert changed_total > 0
    assert refresh(at) == 0  # idempotent


def test_the_job_writes_only_the_tasks_whose_score_changed(tasks_runtime, admin_engine) -> None:
    # Far from every bend for the next 12 hours: due in 3 to 10 days, 1 to 5 days old.
    tasks = [
        task(NOW - timedelta(hours=24 + 7 * n), NOW + timedelta(days=3, hours=11 * n))
        for n in range(16)
    ] + [task(NOW - timedelta(hours=24 + 5 * n), None) for n in range(16)]
    ids = create(tasks_runtime, tasks)
    refresh = RefreshScores(tasks_runtime.unit_of_work, SystemClock())
    refresh(NOW + timedelta(minutes=1))
    before = scores(admin_engine, ids, NOW)
    later = NOW + timedelta(hours=12)
    refresh(later)
    after = scores(admin_engine, ids, later)
    changed = {i for i in ids if after[i][0] != before[i][0]}
    written = {i for i in ids if after[i][2] != before[i][2]}
    assert all(after[i][0] == after[i][1] for i in ids)
    assert changed  # the due ramp moves ~1 point in 12 hours
    assert len(changed) < len(ids)  # the age of some moves less than half a point
    assert written == changed


def test_the_job_rescores_a_blocker_a_writer_skipped(tasks_runtime, admin_engine) -> None:
    blocked, blocker = create(tasks_runtime, [task(NOW, None), task(NOW, None)])
    with tasks_runtime.unit_of_work() as uow:
        for task_id in sorted({blocked, blocker}):
            uow.tasks.get_for_update(task_id).link_dependency(blocked, blocker, by=uuid7(), at=NOW)
        uow.commit()
    assert scores(admin_engine, [blocker], NOW)[blocker][0] == 14
    with admin_engine.connect() as holder:
        holder.execute(
            sa.text("SELECT 1 FROM tasks.tasks WHERE id = :id FOR UPDATE"), {"id": blocker}
        )
        with tasks_runtime.unit_of_work() as uow:
            uow.tasks.get_for_update(blocked).archive(by=uuid7(), at=NOW)
            uow.commit()
        holder.rollback()
    assert scores(admin_engine, [blocker], NOW)[blocker][0] == 14  # skipped by the writer
    assert rechecks(admin_engine, blocker) == 1
    with admin_engine.begin() as connection:
        # Whatever moment other tests ran the job for: not a sweep of every task, this time.
        connection.execute(sa.text("DELETE FROM tasks.score_refreshes"))
    RefreshScores(tasks_runtime.unit_of_work, SystemClock())(NOW)
    assert scores(admin_engine, [blocker], NOW)[blocker][0] == 10
    assert rechecks(admin_engine, blocker) == 0


def rechecks(admin_engine, task_id: uuid.UUID) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT count(*) FROM tasks.score_rechecks WHERE task_id = :id"),
                {"id": task_id},
            ).scalar_one()
        )


def test_a_score_holds_until_the_instant_stored_with_it(admin_engine) -> None:
    """For every input on a grid (moments before, on and after each bend; a creation instant
    ahead of the moment too), the score one microsecond before the stored instant is still the
    score at the moment it was computed (the score never falls as time passes: so it held all
    along), and the instant is at most a few milliseconds early."""
    grid = """
    WITH inputs AS (
        SELECT p.priority, b.blocked, d.due, c.born, at
        FROM unnest(ARRAY['low', 'medium', 'high', 'urgent']) AS p(priority),
             unnest(ARRAY[0, 2, 7]) AS b(blocked),
             unnest(ARRAY[NULL, -86400, -1, 0, 1, 3600, 86400 * 3.3, 86400 * 14 - 1,
                          86400 * 14, 86400 * 14 + 1, 86400 * 20]::numeric[]) AS d(due),
             unnest(ARRAY[-3600, 0, 1, 777, 86400 * 2.7, 86400 * 30 - 1, 86400 * 30,
                          86400 * 31]::numeric[]) AS c(born),
             generate_series(CAST(:now AS timestamptz),
                             CAST(:now AS timestamptz) + interval '40 days',
                             interval '9 hours 17 minutes 3.123457 seconds') AS at
    ), scored AS (
        SELECT i.*, at + due * interval '1 second' AS due_date,
               at - born * interval '1 second' AS created_at
        FROM inputs i
    ), next AS (
        SELECT s.*, tasks.task_score('todo', priority, due_date, created_at, false, blocked, at)
                    AS score,
               tasks.task_score_changes_at('todo', priority, due_date, created_at, false,
                                           blocked, at) AS changes_at
        FROM scored s
    )
    SELECT count(*) AS cases,
        count(*) FILTER (WHERE changes_at <= at) AS not_after,
        count(*) FILTER (WHERE changes_at < 'infinity' AND tasks.task_score('todo', priority,
            due_date, created_at, false, blocked, changes_at - interval '1 microsecond')
            <> score) AS late,
        count(*) FILTER (WHERE changes_at < 'infinity' AND tasks.task_score('todo', priority,
            due_date, created_at, false, blocked, changes_at + interval '3 milliseconds')
            = score
            AND NOT (due_date - interval '14 days' BETWEEN changes_at
                     AND changes_at + interval '3 milliseconds'
                 OR due_date BETWEEN changes_at AND changes_at + interval '3 milliseconds'
                 OR created_at BETWEEN changes_at AND changes_at + interval '3 milliseconds'
                 OR created_at + interval '30 days' BETWEEN changes_at
                     AND changes_at + interval '3 milliseconds')) AS early,
        count(*) FILTER (WHERE changes_at = 'infinity' AND tasks.task_score('todo', priority,
            due_date, created_at, false, blocked, at + interval '100 years') <> score)
            AS never_wrong
    FROM next"""
    with admin_engine.connect() as connection:
        row = connection.execute(sa.text(grid), {"now": NOW}).one()
        closed = connection.execute(
            sa.text(
                "SELECT tasks.task_score_changes_at('done', 'high', :now, :now, false, 0, :now)"
                " = 'infinity' AND tasks.task_score_changes_at('todo', 'high', :now, :now, true,"
                " 0, :now) = 'infinity'"
            ),
            {"now": NOW},
        ).scalar_one()
    assert row.cases > 10_000
    assert (row.not_after, row.late, row.early, row.never_wrong) == (0, 0, 0, 0)
    assert closed is True  # closed and archived tasks score 0 for ever
