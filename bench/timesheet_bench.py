"""Timesheets (issue 15): a team of 50 for one week holding 10,000 entries, p99 ≤ 50 ms.

In-process and short (no stack boot): a throwaway database provisioned like production, the
timetracking schema migrated, then seeded with SQL: one manager and `--members` members of
one team, 200 tasks (10 per member), `--entries` entries in ISO week 2026-W49 (half timed
spans, some crossing midnight, half durations alone) and `--others` in the 20 weeks before
(the `COPY` fires the day-totals triggers like any writer: the week reads kept totals).
`GET /api/v1/time/timesheets/team` (the manager's view of the team's week, Europe/Paris) and
`GET /api/v1/time/timesheets/` (one member's week) through the service's WSGI app (Flask
test client: no gunicorn, no HAProxy), sequentially, 20 warm-up then `--requests` measured:
mean, p50, p99. Prints Markdown. Run: `.venv/bin/python -m bench.timesheet_bench`.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url

from auth_service.bootstrap import build_access_token_issuer, ephemeral_keys, sign_access_token
from auth_service.config import AuthSettings
from taskhive_infra.provision import provision
from taskhive_shared.db.provisioning import drop_database
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from timetracking_service.bootstrap import build_http_app, build_runtime, migrate
from timetracking_service.config import TimeTrackingSettings

ADMIN_URL = os.environ.get(
    "TASKHIVE_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
MONDAY = date(2026, 11, 30)


def url(database: str, role: str | None = None) -> str:
    target = make_url(ADMIN_URL).set(database=database)
    if role:
        target = target.set(username=role, password=role)
    return target.render_as_string(hide_password=False)


def seed(database: str, members: int, entries: int, others: int) -> tuple[uuid.UUID, ...]:
    rng = random.Random(15)
    team = uuid.uuid4()
    manager = uuid.uuid4()
    people = [uuid.uuid4() for _ in range(members)]
    tasks = [uuid.uuid4() for _ in range(200)]
    with psycopg.connect(url(database)) as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO timetracking.users VALUES (%s, %s, 'Europe/Paris', %s, true, "
            "'x@example.org', 'x', 1)",
            [(manager, "manager", [team])] + [(p, "member", [team]) for p in people],
        )
        cursor.executemany(
            "INSERT INTO timetracking.tasks VALUES (%s, %s, %s, %s, '{}', 'in_progress', false, 1)",
            [(t, f"task {i}", team, manager) for i, t in enumerate(tasks)],
        )
        # A person works on a handful of tasks in a week, not on all the team's.
        own_tasks = {person: rng.sample(tasks, 10) for person in people}
        rows = []
        for index in range(entries + others):
            week = MONDAY if index < entries else MONDAY - timedelta(weeks=rng.randint(1, 20))
            day = week + timedelta(days=rng.randint(0, 6))
            user = people[index % members]
            task = rng.choice(own_tasks[user])
            minutes = rng.randint(5, 240)
            if index % 2:
                start = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                    minutes=rng.randint(6 * 60, 23 * 60)
                )
                span = (start, start + timedelta(minutes=minutes))
            else:
                span = (None, None)
            now = datetime.now(UTC)
            rows.append(
                (
                    uuid.uuid4(),
                    user,
                    task,
                    team,
                    day,
                    *span,
                    minutes,
                    "",
                    True,
                    "manual",
                    1,
                    now,
                    now,
                )
            )
        with cursor.copy(
            "COPY timetracking.entries (id, user_id, task_id, team_id, work_date, started_at, "
            "ended_at, duration_minutes, note, billable, source, version, created_at, updated_at) "
            "FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("ANALYZE timetracking.entries")
    # The load's trigger increments left a dead row version per update of a day's total:
    # vacuumed as autovacuum would after such a load (without: 3x the heap pages read per week).
    with psycopg.connect(url(database), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE timetracking.day_totals")
    return team, manager, people[0]


def measure(
    client: object, path: str, headers: dict[str, str], requests: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and this process's CPU milliseconds per request (the CPU time does not
    count the waits of an overloaded machine; the database's own work is in the wall time)."""
    timings, cpu = [], []
    for index in range(20 + requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        answer = client.get(path, headers=headers)  # type: ignore[attr-defined]
        elapsed = (time.perf_counter() - started) * 1000
        used = (time.process_time() - started_cpu) * 1000
        assert answer.status_code == 200, answer.get_json()
        if index >= 20:
            timings.append(elapsed)
            cpu.append(used)
    return timings, cpu


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def row(name: str, measured: tuple[list[float], list[float]]) -> str:
    timings, cpu = measured
    return (
        f"| {name} | {len(timings)} | {statistics.mean(timings):.1f} | "
        f"{statistics.median(timings):.1f} | {percentile(timings, 0.99):.1f} | "
        f"{statistics.median(cpu):.1f} | {percentile(cpu, 0.99):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--others", type=int, default=40_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    database = f"taskhive_bench_time_{uuid.uuid4().hex[:8]}"
    provision(ADMIN_URL, database, migrate=False)
    try:
        settings = TimeTrackingSettings(
            database_url=url(database, "timetracking_app"),
            migrator_database_url=url(database, "timetracking_migrator"),
            jwks_url=None,
        )
        migrate(settings)
        team, manager, member = seed(database, args.members, args.entries, args.others)
        keys = ephemeral_keys()
        issuer = build_access_token_issuer(AuthSettings(database_url=url(database)), keys)
        runtime = build_runtime(
            settings, key_resolver=LocalKeyResolver(keys.jwks), denylist=InMemoryTokenDenylist()
        )
        client = build_http_app(runtime).test_client()
        boss = {"Authorization": f"Bearer {sign_access_token(issuer, manager, 'manager').token}"}
        own = {"Authorization": f"Bearer {sign_access_token(issuer, member).token}"}
        team_path = f"/api/v1/time/timesheets/team?team={team}&week=2026-W49&tz=Europe/Paris"
        team_week = measure(client, team_path, boss, args.requests)
        one_week = measure(client, "/api/v1/time/timesheets/?week=2026-W49", own, args.requests)
        runtime.engine.dispose()
        print(
            f"Team of {args.members}, {args.entries} entries in the week, {args.others} in "
            f"the 20 weeks before; load average {os.getloadavg()[0]:.2f} "
            f"on {os.cpu_count()} cores.\n"
        )
        print("| request | n | mean ms | p50 ms | p99 ms | CPU p50 ms | CPU p99 ms |")
        print("|---|---|---|---|---|---|---|")
        print(row("team week (50 timesheets)", team_week))
        print(row("one member's week", one_week))
    finally:
        drop_database(ADMIN_URL, database)


if __name__ == "__main__":
    main()
