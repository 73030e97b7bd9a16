"""Tasks API throughput through HAProxy at 10,000 and 1,000,000 tasks (issues 4 and 19).

For each size: a fresh `make stack` (bench.stack), two users registered through the API (a
member and a manager; their replicas reach the tasks service through the events), tasks seeded
in bulk with `INSERT … SELECT generate_series` (20 creators cycling, the member among them: it
sees 1/20 of all tasks, some assigned, two tags per task), `VACUUM ANALYZE`, then
`wrk -t2 -c32 --latency` (5 s warm-up, 15 s measured) on:
  list (page of 20, member), list filtered+searched (member), list (manager), detail,
  create, patch.
Each figure is also given as a ratio to the yardstick (bench.yardstick: a minimal list run in
the same session, so ratios survive the machine's speed drifting), with the cores each process
type used during the run (bench.cpu) and, for writes, the outbox lag (p99 of published - written
for the rows the run wrote) and what was still unpublished when it ended.
Prints Markdown tables and the EXPLAIN ANALYZE of the list queries.
Run: `.venv/bin/python -m bench.tasks_bench [--sizes 10000 1000000] [--only create patch]`.
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

import psycopg
import requests

from bench.cpu import cpu_use
from bench.seed import TASKS_SQL, wait_for_replica
from bench.stack import running_stack
from bench.wrk import WrkResult, run
from bench.yardstick import running_yardstick

TIMEOUT = 30
TARGETS = {
    "list, page of 20 (member)": "≥ 1,200 req/s, p99 ≤ 40 ms",
    "list filtered + searched (member)": "≥ 1,000 req/s, p99 ≤ 50 ms",
    "list, page of 20 (manager)": "≥ 1,200 req/s, p99 ≤ 40 ms",
    "task detail": "≥ 1,500 req/s, p99 ≤ 30 ms",
    "create task": "≥ 600 req/s, p99 ≤ 60 ms",
    "patch task": "≥ 600 req/s, p99 ≤ 60 ms",
}

CREATORS_AND_TAGS_SQL = """
INSERT INTO tasks.replica_users (id, username, display_name, email, role, is_active, version,
                                 updated_at)
SELECT gen_random_uuid(), 'creator' || n, 'Creator ' || n, 'creator' || n || '@bench.local',
       'member', true, 1, now()
FROM generate_series(1, 18) AS n;

CREATE TEMP TABLE creators AS
SELECT id, row_number() OVER (ORDER BY id) - 1 AS slot
FROM tasks.replica_users WHERE id <> %(manager)s;

INSERT INTO tasks.tags (id, name, colour, created_by, created_at)
SELECT gen_random_uuid(), 'tag' || n, '#336699', %(member)s, now()
FROM generate_series(1, 50) AS n;

CREATE TEMP TABLE tag_ids AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS slot FROM tasks.tags;
"""

ASSIGNMENTS_AND_TAGS_SQL = """
INSERT INTO tasks.task_assignments (task_id, user_id, assigned_by, assigned_at, task_created_at)
SELECT t.id, %(member)s, t.created_by, t.created_at, t.created_at
FROM tasks.tasks t WHERE t.created_by <> %(member)s AND abs(hashtext(t.id::text)) %% 50 = 0;

INSERT INTO tasks.task_tags (task_id, tag_id)
SELECT t.id, g.id FROM tasks.tasks t
JOIN tag_ids g
  ON g.slot IN (abs(hashtext(t.id::text)) %% 50, (abs(hashtext(t.id::text)) + 7) %% 50);
"""
# Creators and tags, the tasks (shared with bench.jobs_bench), then assignments and tags.
SEED_SQL = (CREATORS_AND_TAGS_SQL, TASKS_SQL, ASSIGNMENTS_AND_TAGS_SQL)


def register(base: str, name: str) -> dict[str, Any]:
    response = requests.post(
        f"{base}/api/v1/auth/register",
        json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret-pw"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def make_manager(database_url: str, user_id: str) -> None:
    """Promote in the tasks replica directly: the bench measures reads, not the admin flow."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(
            "UPDATE tasks.replica_users SET role = 'manager', version = version + 1 WHERE id = %s",
            (user_id,),
        )


def seed(database_url: str, count: int, member: str, manager: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        # Client-side binding: several statements per round trip.
        with psycopg.ClientCursor(connection) as cursor:
            params = {"count": count, "creators": 19, "member": member, "manager": manager}
            for statements in SEED_SQL:
                cursor.execute(statements, params)
        connection.execute("VACUUM ANALYZE tasks.tasks, tasks.task_assignments, tasks.task_tags")
    return time.perf_counter() - started


def explain_lists(database_url: str, member: str) -> list[str]:
    """EXPLAIN ANALYZE of the exact SQL the list endpoint runs (built by the read side)."""
    from tasks_service.bootstrap import task_list_sql

    statements = {
        "default page, manager (all tasks)": task_list_sql(),
        "default page, member (own + assigned + team)": task_list_sql(member),
        "filtered + searched, member": task_list_sql(
            member, statuses=("todo", "in_progress"), text="escalation"
        ),
    }
    out: list[str] = []
    with psycopg.connect(database_url, autocommit=True) as connection:
        for name, (sql, params) in statements.items():
            with psycopg.ClientCursor(connection) as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            out += [f"#### {name}", "", "```", plan, "```", ""]
    return out


OUTBOX_LAG_SQL = """
SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY published_at - time),
       count(*) FILTER (WHERE published_at IS NULL)
FROM tasks.outbox WHERE time >= %s"""


def outbox_lag(database_url: str, since: Any) -> str:
    """p99 of publish - write over the rows written since `since`, and the unpublished rest."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute(OUTBOX_LAG_SQL, (since,)).fetchone()
    assert row is not None
    lag, unpublished = row
    p99 = f"{lag.total_seconds() * 1000:,.0f} ms" if lag is not None else "n/a"
    return f"{p99} ({unpublished} unsent)"


def database_now(database_url: str) -> Any:
    with psycopg.connect(database_url, autocommit=True) as connection:
        row = connection.execute("SELECT now()").fetchone()
    assert row is not None
    return row[0]


def ratio_row(name: str, result: WrkResult, yardstick: float, target: str, extra: str) -> str:
    share = result.requests_per_second / yardstick if yardstick else 0.0
    return (
        f"| {name} | {result.requests_per_second:,.0f} | {result.p50_ms:.2f} | "
        f"{result.p99_ms:.2f} | {target} | {share:.0%} | {extra} | {result.non_2xx} "
        f"{result.errors} |"
    )


def bench_size(count: int, duration: int, only: list[str] | None = None) -> list[str]:
    with running_stack() as stack:
        base, database_url = stack.base_url, stack.database_url
        member = register(base, f"member{uuid.uuid4().hex[:6]}")
        manager = register(base, f"manager{uuid.uuid4().hex[:6]}")
        member_id, manager_id = member["user"]["id"], manager["user"]["id"]
        wait_for_replica(database_url, [member_id, manager_id])
        make_manager(database_url, manager_id)
        seconds = seed(database_url, count, member_id, manager_id)
        token, boss = member["access_token"], manager["access_token"]
        first = requests.get(
            f"{base}/api/v1/tasks/?limit=20",
            headers={"Authorization": f"Bearer {token}"},
            timeout=TIMEOUT,
        ).json()
        task_id = first["items"][0]["id"]
        rows = [
            f"### {count:,} tasks (seeded in {seconds:.1f} s)",
            "",
            "| endpoint | req/s | p50 ms | p99 ms | target | ÷ yardstick | outbox lag p99 "
            "· cores by process | non-2xx |",
            "|---|---|---|---|---|---|---|---|",
        ]
        database = stack.database
        jwks = f"{base}/.well-known/jwks.json"
        with running_yardstick(database_url, jwks) as url, cpu_use(database) as used:
            reference = run(url, token=token, duration_s=duration)
        yardstick = reference.requests_per_second
        rows.append(
            ratio_row("yardstick list (not product code)", reference, yardstick, "", used.summary())
        )
        cases = [
            ("list, page of 20 (member)", f"{base}/api/v1/tasks/?limit=20", token, "GET", None),
            (
                "list filtered + searched (member)",
                f"{base}/api/v1/tasks/?limit=20&status=todo&status=in_progress&q=escalation",
                token,
                "GET",
                None,
            ),
            ("list, page of 20 (manager)", f"{base}/api/v1/tasks/?limit=20", boss, "GET", None),
            ("task detail", f"{base}/api/v1/tasks/{task_id}/", token, "GET", None),
            (
                "create task",
                f"{base}/api/v1/tasks/",
                token,
                "POST",
                '{"title": "Bench task", "priority": "high", "tags": ["tag1"]}',
            ),
            (
                "patch task",
                f"{base}/api/v1/tasks/{task_id}/",
                token,
                "PATCH",
                '{"priority": "low"}',
            ),
        ]
        for name, url, bearer, method, body in cases:
            if only and not any(word in name for word in only):
                continue
            started = database_now(database_url)
            with cpu_use(database) as used:
                result = run(url, token=bearer, method=method, body=body, duration_s=duration)
            lag = outbox_lag(database_url, started) + " · " if method != "GET" else ""
            rows.append(ratio_row(name, result, yardstick, TARGETS[name], lag + used.summary()))
        return [*rows, "", *explain_lists(database_url, member_id)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument(
        "--only", nargs="+", help="run the endpoints whose name contains one of these words"
    )
    args = parser.parse_args()
    output: list[str] = []
    for count in args.sizes:
        output += [*bench_size(count, args.duration, args.only), ""]
    print("\n".join(output))


if __name__ == "__main__":
    main()
