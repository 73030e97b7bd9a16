"""A mixed workload at fixed arrival rates, and memory per process type (issue 19).

The yardstick is Vikunja's published capacity test: replayed production traffic, 65 % of it
`GET /tasks/{id}`, writes about 3 %, 1,259 req/s at p95 21 ms on 4 API + 4 database cores, i.e.
~157 req/s per core. Goal here: at least 3 times that per core (471) with every process of the
platform on this machine's 2 cores, the load generator included.

For each size: a fresh `make stack` (bench.stack), four members and a manager registered and
signed in through the API, tasks seeded in bulk as bench.tasks_bench does (22 creators cycling,
the four members among them; tags, some assignments), three comments on each member's task,
`VACUUM ANALYZE`. Then an open-loop generator (bench.openloop: latency from each request's
scheduled send time, so no coordinated omission) sends the mix below at a fixed rate, in steps
(`--rates`, `--step` s each after a warm-up), until a step's p95 exceeds 21 ms or a request
fails; after the first failing step one more at the midpoint below it narrows the answer.
Reported per step: achieved rate, p50/p95/p99 overall and per request type, errors, the outbox
lag of the step's writes, the cores per process type (bench.cpu) and the generator's own cores;
memory per process type (bench.memory) at rest after the warm-up and the peak under load.

Mix (Vikunja's shape, our endpoints; writes 10 %): detail 65 %, list page of 20 12 %, filtered
+ searched list 8 %, comments of a task 5 %, comment 3 %, create 3 %, patch 3 %, assign 1 %.
Callers: 4 members on their own tasks (80 %), the manager on any task (20 %) for the reads.
Run: `.venv/bin/python -m bench.mixed_bench [--sizes 10000] [--rates 100 200 …] [--step 20]`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

from bench.cpu import cpu_use
from bench.memory import peak_memory, snapshot, table
from bench.openloop import Plan, RequestKind, StepResult, build_request, generator_process, run_plan
from bench.seed import wait_for_replica
from bench.stack import running_stack
from bench.tasks_bench import SEED_SQL, database_now, make_manager, outbox_lag, register

P95_LIMIT_MS = 21.0
CORES = 2
VIKUNJA_PER_CORE = 157
GOAL_PER_CORE = 3 * VIKUNJA_PER_CORE
MEMBERS = 4
FAKE_CREATORS = 18  # bench.tasks_bench's CREATORS_AND_TAGS_SQL adds them
POOL = 400  # ready-made requests per type
SEARCH_TERMS = ("budget", "customer", "deploy", "security", "design", "escalation", "invoice")
PRIORITIES = ("low", "medium", "high", "urgent")

MIX = (  # (type, share of requests)
    ("detail", 65),
    ("list", 12),
    ("search", 8),
    ("comments", 5),
    ("comment", 3),
    ("create", 3),
    ("patch", 3),
    ("assign", 1),
)

COMMENTS_SQL = """
INSERT INTO tasks.comments (id, task_id, author_id, body, created_at, updated_at, version)
SELECT gen_random_uuid(), t.id, t.created_by, 'Seeded comment ' || k || ' on the invoice', now(),
       now(), 1
FROM tasks.tasks t CROSS JOIN generate_series(1, 3) AS k WHERE t.created_by = ANY(%s::uuid[])"""


@dataclass(frozen=True)
class Caller:
    id: str
    token: str
    task_ids: tuple[str, ...]  # tasks it may read and write


def seed(database_url: str, count: int, members: list[str], manager: str) -> float:
    started = time.perf_counter()
    creators = len(members) + FAKE_CREATORS
    with psycopg.connect(database_url, autocommit=True) as connection:
        with psycopg.ClientCursor(connection) as cursor:
            params = {
                "count": count,
                "creators": creators,
                "member": members[0],
                "manager": manager,
            }
            for statements in SEED_SQL:
                cursor.execute(statements, params)
        connection.execute(COMMENTS_SQL, (members,))
        connection.execute(
            "VACUUM ANALYZE tasks.tasks, tasks.task_assignments, tasks.task_tags, tasks.comments"
        )
    return time.perf_counter() - started


def task_ids(database_url: str, creator: str | None) -> tuple[str, ...]:
    """A random sample of the tasks `creator` made (any task when None)."""
    sql = "SELECT id::text FROM tasks.tasks WHERE created_by = %s ORDER BY random() LIMIT %s"
    with psycopg.connect(database_url, autocommit=True) as connection:
        if creator is None:
            rows = connection.execute(
                "SELECT id::text FROM tasks.tasks ORDER BY random() LIMIT %s", (POOL,)
            ).fetchall()
        else:
            rows = connection.execute(sql, (creator, POOL)).fetchall()
    return tuple(row[0] for row in rows)


def request_pools(
    host: str, members: list[Caller], manager: Caller
) -> dict[str, list[tuple[str, str, str, bytes | None]]]:
    """(method, path, token, body) per request type, POOL of each, drawn at random."""
    draw = random.Random(19)
    readers = [*members, *members, *members, *members, manager]  # members 80 %, manager 20 %
    pools: dict[str, list[tuple[str, str, str, bytes | None]]] = {name: [] for name, _ in MIX}
    for i in range(POOL):
        reader, member = draw.choice(readers), draw.choice(members)
        other = draw.choice([m for m in members if m is not member])
        seen, own = draw.choice(reader.task_ids), draw.choice(member.task_ids)
        sort = draw.choice(("", "&sort=due_date", "&sort=-updated_at"))
        statuses = draw.choice(("&status=todo&status=in_progress", "&priority=high", ""))
        pools["detail"].append(("GET", f"/api/v1/tasks/{seen}/", reader.token, None))
        pools["list"].append(("GET", f"/api/v1/tasks/?limit=20{sort}", reader.token, None))
        pools["search"].append(
            (
                "GET",
                f"/api/v1/tasks/?limit=20{statuses}&q={draw.choice(SEARCH_TERMS)}",
                reader.token,
                None,
            )
        )
        pools["comments"].append(("GET", f"/api/v1/tasks/{seen}/comments/", reader.token, None))
        body = json.dumps({"body": f"Mixed bench comment {i}"}).encode()
        pools["comment"].append(("POST", f"/api/v1/tasks/{own}/comments/", member.token, body))
        body = json.dumps({"title": f"Mixed bench task {i}", "priority": "high", "tags": ["tag1"]})
        pools["create"].append(("POST", "/api/v1/tasks/", member.token, body.encode()))
        body = json.dumps({"priority": draw.choice(PRIORITIES)})
        pools["patch"].append(("PATCH", f"/api/v1/tasks/{own}/", member.token, body.encode()))
        body = json.dumps({"user_ids": [other.id]})
        pools["assign"].append(
            ("POST", f"/api/v1/tasks/{own}/assign/", member.token, body.encode())
        )
    return pools


def check_each_type(base: str, pools: dict[str, list[tuple[str, str, str, bytes | None]]]) -> None:
    """One request of each type through `requests` first: a wrong path fails here, not as errors."""
    for name, pool in pools.items():
        method, path, token, body = pool[0]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        answer = requests.request(method, base + path, data=body, headers=headers, timeout=30)
        if not answer.ok:
            raise SystemExit(f"{name}: {method} {path} → {answer.status_code} {answer.text}")


def kinds(
    host: str, pools: dict[str, list[tuple[str, str, str, bytes | None]]]
) -> tuple[RequestKind, ...]:
    return tuple(
        RequestKind(
            name,
            weight,
            tuple(build_request(m, p, host=host, token=t, body=b) for m, p, t, b in pools[name]),
        )
        for name, weight in MIX
    )


def passed(result: StepResult) -> bool:
    merged = result.all
    return merged.error_count == 0 and merged.percentile(95) <= P95_LIMIT_MS


def ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def step_row(result: StepResult, lag: str, cores: str) -> str:
    merged = result.all
    done = len(merged.latencies_ms) / result.seconds
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(merged.errors.items())) or "0"
    generator = result.generator_cpu_s / result.seconds
    verdict = "✓" if passed(result) else "✗"
    return (
        f"| {result.rate:,.0f} | {done:,.0f} | {ms(merged.percentile(50))} | "
        f"{ms(merged.percentile(95))} | {ms(merged.percentile(99))} | {errors} | {verdict} | "
        f"{result.max_send_delay_ms:.1f} | {generator:.2f} | {result.connections} | {lag} | "
        f"{cores} |"
    )


def type_rows(result: StepResult) -> list[str]:
    rows = [
        f"Per request type at {result.rate:,.0f} req/s:",
        "",
        "| type | requests | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for name, _ in MIX:
        kind = result.kinds.get(name)
        if kind is None:
            continue
        errors = ", ".join(f"{k}: {v}" for k, v in sorted(kind.errors.items())) or "0"
        rows.append(
            f"| {name} | {len(kind.latencies_ms) + kind.error_count} | "
            f"{ms(kind.percentile(50))} | {ms(kind.percentile(95))} | "
            f"{ms(kind.percentile(99))} | {errors} |"
        )
    return [*rows, ""]


def next_rate(rates: list[float], done: list[StepResult]) -> float | None:
    """The next step: the list in order until one fails, then once the midpoint below it."""
    if not done:
        return rates[0]
    failures = [r for r in done if not passed(r)]
    if not failures:
        later = [r for r in rates if r > done[-1].rate]
        return later[0] if later else None
    if done[-1] is not failures[0]:
        return None  # the midpoint has run
    below = [r.rate for r in done if passed(r)]
    if not below:
        return None
    midpoint = round((max(below) + failures[0].rate) / 2)
    return midpoint if midpoint not in {r.rate for r in done} else None


def bench_size(
    count: int, rates: list[float], step_s: float, warmup_s: float, log: Path | None
) -> list[str]:
    with (
        running_stack(log_path=log, TASKHIVE_STARTUP_TIMEOUT="240") as stack,
        generator_process() as generator,
    ):
        base, database_url, database = stack.base_url, stack.database_url, stack.database
        host = base.removeprefix("http://")
        people = [register(base, f"member{uuid.uuid4().hex[:6]}") for _ in range(MEMBERS)]
        boss = register(base, f"manager{uuid.uuid4().hex[:6]}")
        member_ids = [p["user"]["id"] for p in people]
        wait_for_replica(database_url, [*member_ids, boss["user"]["id"]])
        make_manager(database_url, boss["user"]["id"])
        seconds = seed(database_url, count, member_ids, boss["user"]["id"])
        members = [
            Caller(p["user"]["id"], p["access_token"], task_ids(database_url, p["user"]["id"]))
            for p in people
        ]
        manager = Caller(boss["user"]["id"], boss["access_token"], task_ids(database_url, None))
        pools = request_pools(host, members, manager)
        check_each_type(base, pools)
        mix = kinds(host, pools)
        address, port = host.split(":")

        def plan(rate: float, duration: float) -> Plan:
            return Plan(address, int(port), mix, rate, duration)

        generator.submit(run_plan, plan(rates[0], warmup_s)).result()
        time.sleep(3)
        at_rest = snapshot(database)
        rows = [
            f"### {count:,} tasks (seeded in {seconds:.1f} s), {step_s:.0f} s per step",
            "",
            "| rate req/s | done req/s | p50 ms | p95 ms | p99 ms | errors | p95 ≤ 21 ms "
            "| max send delay ms | generator cores | connections | outbox lag p99 "
            "| cores by process type |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        done: list[StepResult] = []
        with peak_memory(database) as peak:
            while (rate := next_rate(rates, done)) is not None:
                started = database_now(database_url)
                with cpu_use(database) as used:
                    result = generator.submit(run_plan, plan(rate, step_s)).result()
                done.append(result)
                rows.append(step_row(result, outbox_lag(database_url, started), used.summary(9)))
                print(
                    rows[-1], file=sys.stderr, flush=True
                )  # progress, and kept if a later step dies
                time.sleep(2)  # the relay and consumers drain between steps
        best = max((r for r in done if passed(r)), key=lambda r: r.rate, default=None)
        worst = min((r for r in done if not passed(r)), key=lambda r: r.rate, default=None)
        rows.append("")
        if best is not None:
            per_core = best.rate / CORES
            rows.append(
                f"**Highest rate with p95 ≤ {P95_LIMIT_MS:.0f} ms and no error: {best.rate:,.0f} "
                f"req/s = {per_core:,.0f} req/s per core** (Vikunja {VIKUNJA_PER_CORE}, goal "
                f"{GOAL_PER_CORE}: {per_core / VIKUNJA_PER_CORE:.1f} times Vikunja)."
            )
        else:
            rows.append(f"No step met p95 ≤ {P95_LIMIT_MS:.0f} ms without errors.")
        rows.append("")
        for result in (best, worst):
            if result is not None:
                rows += type_rows(result)
        rows += [
            "Memory per process type, MiB (at rest: after the warm-up, idle; peak: the highest "
            f"total per type over {peak.samples} samples during the steps):",
            "",
            *table(at_rest, peak),
        ]
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000])
    parser.add_argument(
        "--rates", type=float, nargs="+", default=[100, 200, 300, 400, 500, 600, 700, 800]
    )
    parser.add_argument("--step", type=float, default=20, help="seconds per rate")
    parser.add_argument("--warmup", type=float, default=10, help="seconds at the first rate")
    parser.add_argument("--stack-log", type=Path, help="where the stack's output goes")
    args = parser.parse_args()
    load_before = os.getloadavg()
    output = [f"Mixed workload, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC", ""]
    for count in args.sizes:
        output += [
            *bench_size(count, sorted(args.rates), args.step, args.warmup, args.stack_log),
            "",
        ]
    load_after = os.getloadavg()
    output.append(
        f"Load average (1/5/15 min) before {' / '.join(f'{v:.1f}' for v in load_before)}, "
        f"after {' / '.join(f'{v:.1f}' for v in load_after)}."
    )
    print("\n".join(output))


if __name__ == "__main__":
    main()
