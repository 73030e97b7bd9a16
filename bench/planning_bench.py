"""Planning (issue 12, part A): the critical path of a parent, and the score's sort.

1. Critical path. On a fresh `make stack` (bench.stack): one user registered through the
   API, a parent task created through the API, then its subtasks and a random DAG of
   dependencies between them seeded with SQL (edge i ← j only for i < j, so no cycle;
   estimates 0-8 h, 1 in 10 missing). `GET /api/v1/tasks/{id}/critical-path` through HAProxy,
   sequentially (20 warm-up, then `--requests` measured): mean, p50, p99. Sizes 250/1,250,
   500/2,500, 1,000/5,000 (the goal) and 2,000/10,000: the ratios show it grows linearly.
   Also the pure algorithm (domain.dependencies.critical_path) in-process on the same graphs.
2. Score: stored column vs expression. The same stack's database seeded with `--tasks` tasks
   (bench.seed), scores filled by the refresh job's statement (timed: that is the periodic
   job's cost), then EXPLAIN ANALYZE of a `sort=-score` page (21 rows) by the stored, indexed
   column and by the formula evaluated per row at query time (what an expression would cost:
   PostgreSQL cannot index it, as it depends on now()).

Prints Markdown. Run: `.venv/bin/python -m bench.planning_bench [--tasks 100000]`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import requests

from bench.seed import TASKS_SQL, wait_for_replica
from bench.stack import running_stack
from tasks_service.bootstrap import critical_path_of, score_sql

TIMEOUT = 30
SIZES = ((250, 1_250), (500, 2_500), (1_000, 5_000), (2_000, 10_000))


def register(base: str) -> tuple[str, dict[str, str]]:
    name = f"planner{uuid.uuid4().hex[:8]}"
    password = f"{name}-secret-pw"
    response = requests.post(
        f"{base}/api/v1/auth/register",
        json={"email": f"{name}@bench.local", "username": name, "password": password},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    login = requests.post(
        f"{base}/api/v1/auth/login",
        json={"username": name, "password": password},
        timeout=TIMEOUT,
    )
    assert login.status_code == 200, login.text
    user_id = str(response.json()["user"]["id"])
    return user_id, {"Authorization": f"Bearer {login.json()['access_token']}"}


def seed_graph(
    database_url: str, parent: str, owner: str, subtasks: int, edges: int, rng: random.Random
) -> tuple[dict[uuid.UUID, Decimal | None], list[tuple[uuid.UUID, uuid.UUID]]]:
    ids = sorted(uuid.uuid4() for _ in range(subtasks))
    estimates = {
        task_id: None if rng.random() < 0.1 else Decimal(rng.randint(0, 8)) for task_id in ids
    }
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < edges:
        i, j = sorted(rng.sample(range(subtasks), 2))
        pairs.add((i, j))
    graph = [(ids[j], ids[i]) for i, j in pairs]  # j is blocked by i (i < j): a DAG
    with psycopg.connect(database_url, autocommit=True) as connection, connection.cursor() as cur:
        cur.executemany(
            "INSERT INTO tasks.tasks (id, title, description, status, priority, estimated_hours,"
            " created_by, metadata, created_at, updated_at, version, parent_task_id)"
            " VALUES (%s, %s, '', 'todo', 'medium', %s, %s, '{}', now(), now(), 1, %s)",
            [(t, f"Subtask {n}", estimates[t], owner, parent) for n, t in enumerate(ids)],
        )
        cur.executemany(
            "INSERT INTO tasks.task_dependencies (task_id, blocked_by_id, created_by, created_at)"
            " VALUES (%s, %s, %s, now())",
            [(blocked, blocker, owner) for blocked, blocker in graph],
        )
        cur.execute("ANALYZE tasks.tasks; ANALYZE tasks.task_dependencies")
    return estimates, graph


def timed_requests(url: str, headers: dict[str, str], count: int) -> list[float]:
    session = requests.Session()
    for _ in range(20):
        assert session.get(url, headers=headers, timeout=TIMEOUT).ok
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = session.get(url, headers=headers, timeout=TIMEOUT)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_critical_path(base: str, database_url: str, requests_count: int) -> None:
    owner, headers = register(base)
    wait_for_replica(database_url, [owner])
    rng = random.Random(12)
    print("\n### Critical path through HAProxy (sequential requests)\n")
    print("| subtasks / dependencies | mean ms | p50 ms | p99 ms | algorithm alone ms | path |")
    print("|---|---|---|---|---|---|")
    for subtasks, edges in SIZES:
        created = requests.post(
            f"{base}/api/v1/tasks/", json={"title": "Parent"}, headers=headers, timeout=TIMEOUT
        )
        assert created.status_code == 201, created.text
        parent = created.json()["id"]
        estimates, graph = seed_graph(database_url, parent, owner, subtasks, edges, rng)
        url = f"{base}/api/v1/tasks/{parent}/critical-path"
        times = timed_requests(url, headers, requests_count)
        runs = []
        for _ in range(20):
            start = time.perf_counter()
            path, hours = critical_path_of(estimates, graph)
            runs.append((time.perf_counter() - start) * 1000)
        answer = requests.get(url, headers=headers, timeout=TIMEOUT).json()
        assert answer["tasks"] == [str(t) for t in path]
        print(
            f"| {subtasks:,} / {edges:,} | {statistics.mean(times):.1f} "
            f"| {percentile(times, 0.5):.1f} | {percentile(times, 0.99):.1f} "
            f"| {statistics.median(runs):.2f} "
            f"| {len(path)} tasks, {hours} h |"
        )


def explain_ms(connection: psycopg.Connection[Any], sql: str) -> float:
    rows = connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql).fetchone()
    assert rows is not None
    plan = rows[0][0]
    return float(plan["Execution Time"])


def bench_score(database_url: str, count: int) -> None:
    with psycopg.connect(database_url, autocommit=True) as connection:
        owner = connection.execute("SELECT id FROM tasks.replica_users LIMIT 1").fetchone()
        assert owner is not None
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE creators AS SELECT %(owner)s::uuid AS id, 0 AS slot",
                {"owner": owner[0]},
            )
            start = time.perf_counter()
            psycopg.ClientCursor(connection).execute(TASKS_SQL, {"count": count, "creators": 1})
            seeded = time.perf_counter() - start
        connection.execute("VACUUM ANALYZE tasks.tasks")
        # The periodic job's statement, batch after batch, as RefreshScores runs it.
        start, now = time.perf_counter(), datetime.now(UTC)
        after, batches = uuid.UUID(int=0), 0
        refresh_sql, score = score_sql()
        sql = refresh_sql.replace(":after", "%(after)s").replace(":size", "%(size)s")
        sql = sql.replace(":at", "%(at)s")
        while after is not None:
            row = connection.execute(sql, {"after": after, "size": 1000, "at": now}).fetchone()
            assert row is not None
            after, batches = row[0], batches + 1
        refresh = time.perf_counter() - start
        connection.execute("VACUUM ANALYZE tasks.tasks")
        stored = [
            explain_ms(
                connection,
                "SELECT id FROM tasks.tasks t WHERE NOT t.is_archived "
                "ORDER BY t.score DESC, t.id DESC LIMIT 21",
            )
            for _ in range(5)
        ]
        expression = score.replace(":at", "now()")
        computed = [
            explain_ms(
                connection,
                f"SELECT t.id, {expression} AS s FROM tasks.tasks t WHERE NOT t.is_archived "  # noqa: S608
                "ORDER BY s DESC, t.id DESC LIMIT 21",
            )
            for _ in range(3)
        ]
    print(f"\n### Score at {count:,} tasks (seeded in {seeded:.1f} s)\n")
    print("| what | time |")
    print("|---|---|")
    print(f"| refresh job, every open task ({batches} batches of 1,000) | {refresh:.1f} s |")
    print(
        "| page of sort=-score, stored + indexed column (median) | "
        + f"{statistics.median(stored):.2f} ms |"
    )
    print(
        f"| page of sort=-score, formula per row at query time (median) "
        f"| {statistics.median(computed):.1f} ms |"
    )
    print(f"| ratio | {statistics.median(computed) / statistics.median(stored):,.0f} times |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    with running_stack(port=18490, port_offset=10600) as stack:
        bench_critical_path(stack.base_url, stack.database_url, args.requests)
        bench_score(stack.database_url, args.tasks)


if __name__ == "__main__":
    main()
