"""A report of N tasks (issue 14): wall time and peak memory of the `tasks` report per format.

A throwaway database with the analytics schema (migrations as in production); N rows of the
task read model (`analytics.tasks`, as the consumer writes them: summary, status, created and
completed times, lead and cycle time; 20 teams, 3 in 5 done) and an admin in the users replica
(who sees every task), seeded by SQL, `VACUUM ANALYZE`. Each format then runs in a fresh
interpreter (its peak RSS its own), as the worker runs `analytics.generate_report`:
`build_offline_runtime`, the report row, `ReportHandlers.generate` (keyset batches of 1,000 from
the read model, rendered and streamed into the filesystem store). Reported: wall time, rows/s,
file size, RSS before the job (imports, pools) and the peak during it; with `--tracemalloc`,
the peak of Python allocations instead (slower: every allocation traced).

Run: `.venv/bin/python -m bench.analytics_report_bench [--tasks 100000] [--tracemalloc]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

SEED_SQL = """
INSERT INTO analytics.users (id, role, timezone, is_active, version, email)
VALUES (%(admin)s, 'admin', 'UTC', true, 1, 'admin@bench.local');
INSERT INTO analytics.tasks
SELECT id, 3,
       jsonb_build_object('task_id', id, 'version', 3, 'title', 'Bench task number ' || n,
                          'status', status,
                          'priority', (ARRAY['low', 'medium', 'high'])[1 + n %% 3],
                          'created_by', %(admin)s, 'assignee_ids', '[]'::jsonb,
                          'tags', '[]'::jsonb),
       false, team_id, NULL, status, n %% 8, created_at,
       created_at + interval '1 hour', done_at,
       extract(epoch FROM done_at - created_at), extract(epoch FROM done_at - created_at) - 3600,
       '{}'::jsonb
FROM (
  SELECT n, gen_random_uuid() AS id,
         ('00000000-0000-7000-9000-' || lpad(to_hex(n %% 20), 12, '0'))::uuid AS team_id,
         CASE WHEN n %% 5 < 3 THEN 'done' ELSE 'todo' END AS status,
         now() - (n %% 8760) * interval '1 hour' AS created_at,
         CASE WHEN n %% 5 < 3 THEN now() - (n %% 8760) * interval '1 hour'
              + (2 + n %% 72) * interval '1 hour' END AS done_at
  FROM generate_series(1, %(count)s) AS n
) seeded;
"""


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settings_for(database: str, files: str) -> Any:
    from analytics_service.config import AnalyticsSettings

    base = ADMIN_URL.rsplit("/", 1)[0]
    return AnalyticsSettings(
        database_url=f"{base.replace('postgres@', 'analytics_app:analytics_app@')}/{database}",
        migrator_database_url=(
            f"{base.replace('postgres@', 'analytics_migrator:analytics_migrator@')}/{database}"
        ),
        jwks_url=None,
        files_directory=Path(files),
    )


def _generate(database: str, files: str, admin: str, fmt: str, traced: bool, queue: Any) -> None:
    from analytics_service.bootstrap import build_offline_runtime, generate_report_here

    runtime = build_offline_runtime(settings_for(database, files))
    before = _rss_mib()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    done = generate_report_here(runtime, uuid.UUID(admin), "tasks", fmt)
    elapsed = time.perf_counter() - started
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
    size = (Path(files) / str(done.file_key)).stat().st_size
    status = done.status
    queue.put((status, done.rows, elapsed, size, before, _rss_mib(), traced_peak))
    runtime.engine.dispose()


def bench(count: int, traced: bool) -> list[str]:
    from analytics_service.bootstrap import migrate
    from taskhive_infra.provision import provision
    from taskhive_shared.db.provisioning import drop_database

    memory = "peak traced (tracemalloc)" if traced else "RSS before | peak RSS"
    out = [
        f"| tasks | format | rows in file | time | rows/s | file | {memory} |",
        f"|---:|---|---:|---:|---:|---:|{'---:|' * (1 if traced else 2)}",
    ]
    name = f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    provision(ADMIN_URL, name, migrate=False)
    try:
        with tempfile.TemporaryDirectory() as files:
            migrate(settings_for(name, files))
        admin = str(uuid.uuid4())
        started = time.perf_counter()
        with (
            psycopg.connect(f"{ADMIN_URL.rsplit('/', 1)[0]}/{name}", autocommit=True) as connection,
            psycopg.ClientCursor(connection) as cursor,
        ):
            cursor.execute(SEED_SQL, {"count": count, "admin": admin})
            cursor.execute("VACUUM ANALYZE analytics.tasks")
        print(f"seeded {count:,} task rows in {time.perf_counter() - started:.1f} s", flush=True)
        context = multiprocessing.get_context("spawn")
        for fmt in ("csv", "xlsx", "pdf"):
            with tempfile.TemporaryDirectory() as files:
                queue = context.Queue()
                child = context.Process(
                    target=_generate, args=(name, files, admin, fmt, traced, queue)
                )
                child.start()
                status, rows, elapsed, size, before, peak, traced_peak = queue.get(timeout=1800)
                child.join()
                assert status == "done", status
                mem = f"{traced_peak:.1f} MiB" if traced else f"{before:.0f} MiB | {peak:.0f} MiB"
                out.append(
                    f"| {count:,} | {fmt} | {rows:,} | {elapsed:.1f} s | {rows / elapsed:,.0f} "
                    f"| {size / 2**20:.1f} MiB | {mem} |"
                )
                print(out[-1], flush=True)
    finally:
        drop_database(ADMIN_URL, name)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()}", flush=True)
    lines = bench(args.tasks, args.tracemalloc)
    print(f"load average at the end: {os.getloadavg()}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
