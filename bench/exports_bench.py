"""Task export (issue 14): time and peak memory of exporting N tasks to CSV and JSON.

A throwaway database provisioned and migrated for tasks only, seeded with SQL (bench.seed):
one admin in the replica who sees every task, N tasks. Each export runs in a fresh interpreter
(its peak RSS its own), as the worker runs `tasks.run_file_job`: `build_offline_runtime`, the
eager queue, keyset pages of 100 through the list's query, rows streamed into the filesystem
store. Reported: wall time, rows/s, file size, the process's RSS before the export (imports,
pools) and its peak during it.

Run: `.venv/bin/python -m bench.exports_bench [--tasks 10000,100000]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

from bench.jobs_bench import tasks_database, tasks_settings
from bench.seed import TASKS_SQL

ADMIN_SQL = """
INSERT INTO tasks.replica_users (id, username, display_name, email, role, is_active, version,
                                 updated_at, timezone, notification_preferences)
VALUES (%(id)s, 'exporter', 'Exporter', 'exporter@bench.local', 'admin', true, 1, now(), 'UTC',
        '{}'::jsonb);
CREATE TEMP TABLE creators (slot integer PRIMARY KEY, id uuid NOT NULL);
INSERT INTO creators VALUES (0, %(id)s);
"""


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _export(app_url: str, files: str, actor: str, fmt: str, queue: Any) -> None:
    from tasks_service.bootstrap import build_offline_runtime, export_tasks_as

    runtime = build_offline_runtime(
        tasks_settings(app_url, files_directory=Path(files), import_max_rows=10)
    )
    before = _rss_mib()
    started = time.perf_counter()
    job = export_tasks_as(runtime, actor, fmt)
    elapsed = time.perf_counter() - started
    size = (Path(files) / str(job["file_key"])).stat().st_size
    queue.put((job["status"], job["counts"], elapsed, size, before, _rss_mib()))
    runtime.dispose()


def bench(counts: list[int]) -> list[str]:
    from tasks_service.bootstrap import migrate

    out = [
        "| tasks | format | status | time | rows/s | file | RSS before | peak RSS |",
        "|---:|---|---|---:|---:|---:|---:|---:|",
    ]
    context = multiprocessing.get_context("spawn")
    for count in counts:
        with tasks_database() as (admin_url, app_url, migrator_url):
            migrate(tasks_settings(app_url, migrator_url))
            actor = str(uuid.uuid4())
            with (
                psycopg.connect(admin_url, autocommit=True) as connection,
                psycopg.ClientCursor(connection) as cursor,
            ):
                cursor.execute(ADMIN_SQL, {"id": actor})
                cursor.execute(TASKS_SQL, {"count": count, "creators": 1})
                cursor.execute("VACUUM ANALYZE tasks.tasks")
            for fmt in ("csv", "json"):
                with tempfile.TemporaryDirectory() as files:
                    queue = context.Queue()
                    child = context.Process(
                        target=_export, args=(app_url, files, actor, fmt, queue)
                    )
                    child.start()
                    status, counts_, elapsed, size, before, peak = queue.get(timeout=600)
                    child.join()
                    assert counts_ == {"exported": count}, counts_
                    out.append(
                        f"| {count:,} | {fmt} | {status} | {elapsed:.1f} s | "
                        f"{count / elapsed:,.0f} | {size / 2**20:.1f} MiB | "
                        f"{before:.0f} MiB | {peak:.0f} MiB |"
                    )
                    print(out[-1], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="10000,100000", help="comma-separated task counts")
    args = parser.parse_args()
    lines = bench([int(n) for n in args.tasks.split(",")])
    print("\n".join(lines))


if __name__ == "__main__":
    main()
