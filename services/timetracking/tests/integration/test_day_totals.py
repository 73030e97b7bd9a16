"""The day totals (migration 0005) stay equal to the entries whoever writes them: the use
cases in random order, the workflow's timers, a zone change, concurrent writers of one day,
and the rebuild; the timesheet read from them is the one read from the entries."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from services.timetracking.tests.world import World
from taskhive_shared.ids import uuid7
from timetracking_service.adapters.persistence.entries import WEEK_GRIDS
from timetracking_service.application.entries import Caller, ChangeEntry, LogEntry
from timetracking_service.bootstrap import rebuild_totals
from timetracking_service.domain.calendar import split_by_local_day, week_start
from timetracking_service.domain.errors import TimeTrackingError

Totals = dict[tuple[uuid.UUID, date, uuid.UUID], tuple[int, int, int]]
ZONES = ("Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata")
# Both 2026 DST changes of the northern and southern zones are in these weeks.
MONDAYS = (date(2026, 3, 23), date(2026, 3, 30), date(2026, 10, 19), date(2026, 10, 26))


def expected_totals(engine: sa.Engine, users: Iterable[uuid.UUID]) -> Totals:
    """The totals computed in Python from the entries: `split_by_local_day` in the user's
    zone, a piece kept when the work date is in its week ±1 day (the week query's window)."""
    with engine.connect() as connection:
        zones = dict(
            connection.execute(
                sa.text("SELECT user_id, timezone FROM timetracking.users WHERE user_id = ANY(:u)"),
                {"u": list(users)},
            ).all()
        )
        rows = connection.execute(
            sa.text(
                "SELECT user_id, task_id, work_date, started_at, ended_at, duration_minutes, "
                "billable FROM timetracking.entries "
                "WHERE user_id = ANY(:u) AND duration_minutes IS NOT NULL"
            ),
            {"u": list(users)},
        ).all()
    totals: dict[tuple[uuid.UUID, date, uuid.UUID], list[int]] = {}
    for row in rows:
        if row.started_at is None:
            pieces = {row.work_date: row.duration_minutes}
        else:
            pieces = split_by_local_day(row.started_at, row.ended_at, ZoneInfo(zones[row.user_id]))
            pieces = {
                day: minutes
                for day, minutes in pieces.items()
                if week_start(day) - timedelta(days=1)
                <= row.work_date
                <= week_start(day) + timedelta(days=7)
            }
        for day, minutes in pieces.items():
            cell = totals.setdefault((row.user_id, day, row.task_id), [0, 0, 0])
            cell[0] += minutes
            cell[1] += minutes if row.billable else 0
            cell[2] += 1
    return {key: (m, b, n) for key, (m, b, n) in totals.items()}


def stored_totals(engine: sa.Engine, users: Iterable[uuid.UUID]) -> Totals:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT user_id, day, task_id, minutes, billable_minutes, entries "
                "FROM timetracking.day_totals WHERE user_id = ANY(:u)"
            ),
            {"u": list(users)},
        )
        return {
            (r.user_id, r.day, r.task_id): (r.minutes, r.billable_minutes, r.entries) for r in rows
        }


def grids_from_entries(runtime: Any, users: list[uuid.UUID], monday: date, zone: str) -> Any:
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            WEEK_GRIDS,
            {
                "users": users,
                "first": monday - timedelta(days=1),
                "last": monday + timedelta(days=7),
                "monday": monday,
                "sunday": monday + timedelta(days=6),
                "zone": zone,
            },
        )
        return {row.user_id: (row.worked, row.tasks) for row in rows}


def grids_as_served(runtime: Any, users: list[uuid.UUID], monday: date, zone: str) -> Any:
    with runtime.unit_of_work() as uow:
        grids = uow.entries.week_grids(users, monday, zone)
    return {
        user: ({day.isoformat(): m for day, m in grid.worked.items()}, grid.tasks)
        for user, grid in grids.items()
    }


def kept_users(runtime: Any, users: list[uuid.UUID], zone: str) -> set[uuid.UUID]:
    """Whose week the adapter reads from the totals in `zone` (the others: from the entries)."""
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT user_id FROM timetracking.users "
                "WHERE user_id = ANY(:u) AND timetracking.zone_or_utc(timezone) = :z"
            ),
            {"u": users, "z": zone},
        )
        return {row.user_id for row in rows}


def random_start(rng: random.Random) -> datetime:
    monday = rng.choice(MONDAYS)
    return datetime.combine(monday, datetime.min.time(), UTC) + timedelta(
        minutes=rng.randint(-24 * 60, 8 * 24 * 60)
    )


def test_random_writes_keep_the_totals_equal_to_the_entries(
    time_runtime, world: World, admin_engine
) -> None:
    rng = random.Random(15)
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,), timezone="UTC")
    people = [world.user(team_ids=(team,), timezone=zone) for zone in ZONES]
    tasks = [world.task(manager, team_id=team) for _ in range(4)]
    services = time_runtime.services
    boss = Caller(manager, "manager")
    made: list[uuid.UUID] = []
    refused = 0
    for step in range(160):
        action = rng.random()
        try:
            if action < 0.45 or not made:
                start = random_start(rng)
                person = rng.choice(people)
                timed = rng.random() < 0.7
                shift = rng.choice((0, 0, 0, 1, -1, 2, -3, 8))
                entry = services.entries.log(
                    boss,
                    LogEntry(
                        task_id=rng.choice(tasks).task_id,
                        user_id=person,
                        work_date=start.astimezone(ZoneInfo(ZONES[people.index(person)])).date()
                        + timedelta(days=shift),
                        started_at=start if timed else None,
                        duration_minutes=rng.randint(1, 24 * 60),
                        billable=rng.random() < 0.6,
                    ),
                )
                made.append(entry.id)
            elif action < 0.8:
                change = rng.choice(
                    (
                        ChangeEntry(duration_minutes=rng.randint(1, 600)),
                        ChangeEntry(started_at=random_start(rng)),
                        ChangeEntry(work_date=random_start(rng).date()),
                        ChangeEntry(billable=rng.random() < 0.5),
                        ChangeEntry(note=f"step {step}"),
                        ChangeEntry(started_at=None, duration_minutes=rng.randint(1, 300)),
                    )
                )
                services.entries.change(boss, rng.choice(made), change, None)
            else:
                chosen = rng.choice(made)
                services.entries.delete(boss, chosen, None)
                made.remove(chosen)
        except TimeTrackingError:
            refused += 1
    assert refused < 40  # the sequence mostly wrote
    expected = expected_totals(admin_engine, people)
    assert len(expected) > 40
    assert stored_totals(admin_engine, people) == expected
    # The week served from the totals is the week aggregated from the entries.
    for index, zone in enumerate(ZONES):
        assert kept_users(time_runtime, people, zone) == {people[index]}
        for monday in MONDAYS:
            assert grids_as_served(time_runtime, people, monday, zone) == grids_from_entries(
                time_runtime, people, monday, zone
            ), (zone, monday)


def test_timers_and_the_workflow_count_when_they_stop(
    client, time_runtime, world: World, auth_for, admin_engine
) -> None:
    me = world.user(timezone="Asia/Kolkata")
    task = world.task(me, assignees=(me,))
    headers = auth_for(me)
    assert (
        client.put(
            "/api/v1/time/preferences/", json={"auto_tracking": True}, headers=headers
        ).status_code
        == 200
    )
    began = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)  # 22:30 in Kolkata
    world.deliver(world.move(task, "in_progress", occurred_at=began))
    # Running: no minutes yet, as in the week read from the entries.
    assert stored_totals(admin_engine, [me]) == {}
    world.deliver(world.move(task, "in_review", occurred_at=began + timedelta(minutes=150)))
    assert stored_totals(admin_engine, [me]) == {
        (me, date(2026, 12, 2), task.task_id): (90, 90, 1),
        (me, date(2026, 12, 3), task.task_id): (60, 60, 1),
    }
    # A timer started and stopped by hand (now: a few minutes at most, maybe zero).
    assert (
        client.post(
            "/api/v1/time/timer/start", json={"task_id": str(task.task_id)}, headers=headers
        ).status_code
        == 201
    )
    assert client.post("/api/v1/time/timer/stop", headers=headers).status_code == 200
    assert stored_totals(admin_engine, [me]) == expected_totals(admin_engine, [me])


def test_a_zone_change_rebuilds_the_users_days(
    client, time_runtime, world: World, auth_for, admin_engine
) -> None:
    me = world.user(timezone="Europe/Paris")
    task = world.task(me)
    headers = auth_for(me)
    for start, end in (
        ("2026-11-30T22:30:00Z", "2026-12-01T01:00:00Z"),
        ("2026-12-03T04:00:00Z", "2026-12-03T06:00:00Z"),
    ):
        answer = client.post(
            "/api/v1/time/entries/",
            json={"task_id": str(task.task_id), "started_at": start, "ended_at": end},
            headers=headers,
        )
        assert answer.status_code == 201, answer.get_json()
    paris = stored_totals(admin_engine, [me])
    assert paris == {
        (me, date(2026, 11, 30), task.task_id): (30, 30, 1),
        (me, date(2026, 12, 1), task.task_id): (120, 120, 1),
        (me, date(2026, 12, 3), task.task_id): (120, 120, 1),
    }
    # The users replica learns a new zone: the user's days are counted there from now on.
    world.user(timezone="America/New_York", version=2, user_id=me)
    assert stored_totals(admin_engine, [me]) == {
        (me, date(2026, 11, 30), task.task_id): (150, 150, 1),
        (me, date(2026, 12, 2), task.task_id): (60, 60, 1),
        (me, date(2026, 12, 3), task.task_id): (60, 60, 1),
    }
    assert stored_totals(admin_engine, [me]) == expected_totals(admin_engine, [me])
    assert kept_users(time_runtime, [me], "America/New_York") == {me}
    sheet = client.get("/api/v1/time/timesheets/?week=2026-W49", headers=headers).get_json()
    assert sheet["timezone"] == "America/New_York"
    assert {d["date"]: d["worked_minutes"] for d in sheet["days"]}["2026-11-30"] == 150
    # Asked in the old zone, the week is read from the entries and still right.
    old = client.get(
        "/api/v1/time/timesheets/?week=2026-W49&tz=Europe/Paris", headers=headers
    ).get_json()
    assert {d["date"]: d["worked_minutes"] for d in old["days"]}["2026-11-30"] == 30
    # A stale redelivery of the first version changes nothing.
    world.user(timezone="Europe/Paris", version=1, user_id=me)
    assert stored_totals(admin_engine, [me]) == expected_totals(admin_engine, [me])
    assert kept_users(time_runtime, [me], "America/New_York") == {me}


def _insert(connection: sa.Connection, user: uuid.UUID, task: uuid.UUID, minutes: int) -> uuid.UUID:
    entry_id = uuid7()
    connection.execute(
        sa.text(
            "INSERT INTO timetracking.entries (id, user_id, task_id, work_date, "
            "duration_minutes, billable, source, created_at, updated_at) "
            "VALUES (:id, :u, :t, '2026-12-02', :m, true, 'manual', now(), now())"
        ),
        {"id": entry_id, "u": user, "t": task, "m": minutes},
    )
    return entry_id


def _in_thread(work: Any) -> tuple[threading.Thread, list[BaseException]]:
    failures: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # reported by the test's assertion
            failures.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, failures


def test_two_writers_of_one_day_both_count(time_runtime, admin_engine) -> None:
    """The second writer waits on the first's row of the day and adds to it (an upsert of
    increments, no read-modify-write); then one deletes while another adds."""
    user, task = uuid.uuid4(), uuid.uuid4()
    key = (user, date(2026, 12, 2), task)
    engine = time_runtime.engine
    first = engine.connect()
    try:
        first.begin()
        kept = _insert(first, user, task, 30)

        def second_writer() -> None:
            with engine.begin() as connection:
                _insert(connection, user, task, 45)

        thread, failures = _in_thread(second_writer)
        thread.join(0.5)
        assert thread.is_alive()  # waiting on the first writer's row
        first.commit()
        thread.join(10)
        assert not thread.is_alive()
        assert not failures
        assert stored_totals(admin_engine, [user]) == {key: (75, 75, 2)}

        # The first deletes its entry and the second one's (the day's row drops to zero and
        # goes) while a third writer adds to the same day: it waits, then inserts anew.
        first.begin()
        first.execute(sa.text("DELETE FROM timetracking.entries WHERE user_id = :u"), {"u": user})
        thread, failures = _in_thread(second_writer)
        thread.join(0.5)
        assert thread.is_alive()
        first.commit()
        thread.join(10)
        assert not thread.is_alive()
        assert not failures
        assert stored_totals(admin_engine, [user]) == {key: (45, 45, 1)}
        assert kept is not None
    finally:
        first.close()
        with admin_engine.begin() as connection:
            connection.execute(
                sa.text("DELETE FROM timetracking.entries WHERE user_id = :u"), {"u": user}
            )
    assert stored_totals(admin_engine, [user]) == {}


def test_the_rebuild_restores_totals_from_the_entries(
    time_settings, world: World, time_runtime, admin_engine
) -> None:
    me = world.user(timezone="Australia/Lord_Howe")
    task = world.task(me)
    for minutes in (30, 90):
        time_runtime.services.entries.log(
            Caller(me, "member"),
            LogEntry(
                task_id=task.task_id,
                started_at=datetime(2026, 10, 3, 13, 0, tzinfo=UTC),
                duration_minutes=minutes,
            ),
        )
    right = stored_totals(admin_engine, [me])
    assert right
    assert right == expected_totals(admin_engine, [me])
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE timetracking.day_totals SET minutes = 7 WHERE user_id = :u"),
            {"u": me},
        )
        connection.execute(
            sa.text("INSERT INTO timetracking.day_totals VALUES (:u, '2026-10-01', :t, 5, 5, 1)"),
            {"u": me, "t": uuid.uuid4()},
        )
    assert stored_totals(admin_engine, [me]) != right
    assert rebuild_totals(time_settings) >= len(right)
    assert stored_totals(admin_engine, [me]) == right
