"""`tasks.refresh_scores` at scale (issue 19): what one run of the job costs PostgreSQL.

A throwaway database migrated for the tasks service only (bench.jobs_bench.tasks_database), seeded
with bench.seed's TASKS_SQL (1,000,000 tasks by default: a third without due date, the others due
from 20 days ago to 40 days ahead, created one a second before now; two thirds open) and one
dependency edge for each tenth task. Then, through the job's use case (`RefreshScores`, built as
the jobs process builds it):
  1. the first run scores every seeded task (they arrive with score 0; on a kept database
     measured again with `--database`, the first run after migration 0010 rescores every open
     task once, as its first run in a deployment does);
  2. `VACUUM ANALYZE`, then the job's steady state: one run 15 minutes later, and one more 15
     minutes after that.
Each run reports its wall time, the CPU time of the PostgreSQL backends of the bench database
(from /proc: the machine is shared, wall time is not the job's own), the rows it selected
(the use case's count), the rows PostgreSQL updated (`pg_stat_user_tables.n_tup_upd`) and the
scores that are now wrong against a full recomputation at the run's moment (must be 0).
Then EXPLAIN (ANALYZE, BUFFERS) of one batch of the job's statement 45 minutes on.

Run: `.venv/bin/python -m bench.scores_bench [--tasks 1000000] [--keep NAME | --database NAME]`
(`--keep` seeds and keeps the database; `--database` measures a kept one without seeding).
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.jobs_bench import existing_tasks_database, tasks_database, tasks_settings
from bench.seed import TASKS_SQL

CREATORS = 100  # the creators temp table's rows (slots 0-99)
EDGES_SQL = """
INSERT INTO tasks.task_dependencies (task_id, blocked_by_id, created_by, created_at)
SELECT a.id, b.id, a.created_by, a.created_at
FROM (SELECT id, created_by, created_at, row_number() OVER (ORDER BY id) AS n FROM tasks.tasks) a
JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM tasks.tasks) b ON b.n = a.n + 1
WHERE a.n % 10 = 0
"""
WRONG_SQL = """
SELECT count(*) FROM tasks.tasks t WHERE t.score <> tasks.task_score(t.status, t.priority,
    t.due_date, t.created_at, t.is_archived,
    (SELECT count(*) FROM tasks.task_dependencies sd JOIN tasks.tasks sb ON sb.id = sd.task_id
     WHERE sd.blocked_by_id = t.id AND NOT sb.is_archived
       AND sb.status NOT IN ('done', 'cancelled')), %s)
"""


def seed(admin_url: str, count: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            "CREATE TEMP TABLE creators (slot integer PRIMARY KEY, id uuid NOT NULL); "
            "INSERT INTO creators SELECT n, gen_random_uuid() FROM generate_series(0, 99) n"
        )
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(TASKS_SQL, {"count": count, "creators": CREATORS})
        connection.execute(EDGES_SQL)
        connection.execute("VACUUM ANALYZE tasks.tasks, tasks.task_dependencies")
    return time.perf_counter() - started


def _backend_cpu(admin_url: str, database: str) -> float:
    """CPU seconds (user + system) so far of every backend connected to `database` but this."""
    ticks = os.sysconf("SC_CLK_TCK")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        pids = [
            row[0]
            for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (database,),
            )
        ]
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _updated(admin_url: str) -> int:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("SELECT pg_stat_clear_snapshot()")
        row = connection.execute(
            "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relid = 'tasks.tasks'::regclass"
        ).fetchone()
    return int(row[0]) if row else 0


def _wrong(admin_url: str, at: datetime) -> int:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        row = connection.execute(WRONG_SQL, (at,)).fetchone()
    return int(row[0]) if row else 0


def _run(admin_url: str, app_url: str, at: datetime, name: str) -> str:
    from tasks_service.bootstrap import build_offline_runtime, refresh_scores_of

    runtime = build_offline_runtime(tasks_settings(app_url))
    database = runtime.engine.url.database or ""
    refresh: Callable[[datetime], Any] = refresh_scores_of(runtime)
    updated = _updated(admin_url)
    started = time.perf_counter()
    result = refresh(at)
    wall = time.perf_counter() - started
    cpu = _backend_cpu(admin_url, database)  # the pool's backends were opened by this run
    runtime.engine.dispose()
    runtime.read_engine.dispose()
    runtime.jobs_read_engine.dispose()
    time.sleep(0.7)  # the statistics collector flushes at most once a second
    written = _updated(admin_url) - updated
    wrong = _wrong(admin_url, at)
    return f"| {name} | {wall:.2f} | {cpu:.2f} | {result} | {written:,} | {wrong} |"


def explain(admin_url: str, at: datetime) -> list[str]:
    """One batch of the job's statement at `at` (rolled back)."""
    from tasks_service.bootstrap import refresh_due_sql

    sql = refresh_due_sql()
    for name in ("after_at", "after_id", "size", "at"):  # longest first: `:at` is a prefix
        sql = sql.replace(f":{name}", f"%({name})s")
    params = {"size": 1000, "at": at, "after_at": "-infinity", "after_id": str(uuid.UUID(int=0))}
    with psycopg.connect(admin_url) as connection, psycopg.ClientCursor(connection) as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        connection.rollback()
    return ["#### one batch (up to 1,000 rows), rolled back", "", "```", plan, "```", ""]


def measure(admin_url: str, app_url: str, first: str) -> list[str]:
    now = datetime.now(UTC)
    rows = [
        "| run | wall s | PostgreSQL CPU s | use case result | rows updated | scores wrong after |",
        "|---|---|---|---|---|---|",
    ]
    rows.append(_run(admin_url, app_url, now, first))
    print("\n".join(rows), flush=True)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE tasks.tasks")
    for step in (1, 2):
        at = now + timedelta(minutes=15 * step)
        rows.append(_run(admin_url, app_url, at, f"+{15 * step} min"))
        print(rows[-1], flush=True)
    return [*rows, "", *explain(admin_url, now + timedelta(minutes=45))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--keep", help="seed, measure and keep the database under this name")
    parser.add_argument("--database", help="measure this kept database (no seeding)")
    args = parser.parse_args()
    if args.database:
        from sqlalchemy.engine import make_url

        from taskhive_infra.provision import role_password
        from tasks_service.bootstrap import migrate

        admin_url, app_url = existing_tasks_database(args.database)
        migrator_url = (
            make_url(admin_url)
            .set(username="tasks_migrator", password=role_password("tasks", "migrator"))
            .render_as_string(hide_password=False)
        )
        migrate(tasks_settings(app_url, migrator_url))  # a later migration, if any
        output = [
            f"### {args.database}: kept database",
            "",
            *measure(admin_url, app_url, "first run after migration 0010 (every open task once)"),
        ]
    else:
        from tasks_service.bootstrap import migrate

        with tasks_database(args.keep) as (admin_url, app_url, migrator_url):
            migrate(tasks_settings(app_url, migrator_url))
            seconds = seed(admin_url, args.tasks)
            output = [
                f"### {args.tasks:,} tasks (seeded in {seconds:.1f} s)",
                "",
                *measure(admin_url, app_url, "first run (seeded with score 0)"),
            ]
    print("\n".join(output))


if __name__ == "__main__":
    main()
