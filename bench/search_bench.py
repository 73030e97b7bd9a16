"""Facets, suggestions and comment search through HAProxy at 10,000 and 1,000,000 tasks
(issue 12, ADR 0019).

For each size: a fresh `make stack` (bench.stack), the tasks of bench.tasks_bench (a member who
sees 1/19 of them, a manager who sees all, two tags per task), plus a comment on 1 task in 10
(1 in 2,000 mentions a "kestrel": a selective word found only in comments), `VACUUM ANALYZE`,
then `wrk -t2 -c32 --latency` (5 s warm-up, `--duration` s measured) on the facets (member and
manager, bare and filtered), the suggestions (a prefix, a typo) and the list searched by a word
of the comments, and the list searched by a broad term (`invoice`: 1 task in 6) and a narrow
one (`escalation`: 1 in 2,000), ordered by relevance (ADR 0027). Goals: facets p99 ≤ 50 ms at
10,000 tasks; a broad search p99 ≤ 50 ms at 1,000,000 (issue 19).
Prints Markdown tables and the EXPLAIN ANALYZE of the manager's unfiltered facets.
Run: `.venv/bin/python -m bench.search_bench [--sizes 10000 1000000] [--duration 10]`.
`--connections 1` (wrk `-t1 -c1`) gives what one request costs through the gateway, one at a
time; the default 32 measures the latency at the throughput two sync workers allow.

`--sql` measures the read side alone, without a stack: a throwaway database, the same seed,
each statement run through the service's own adapter (`PostgresSearchReader`) one call at a
time, p50/p99 over `--repeat` calls (what one request costs the database, before the HTTP
and JWT work that the wrk figures include). The searched list is measured on its first page,
its second and its 61st (past the 1,000 ranked matches, when the term has that many).
`--database NAME` measures an existing database seeded by an earlier `--sql --keep NAME` run
(the bench users' ids in `tasks.replica_users`), so 1,000,000 tasks are seeded once.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

import psycopg

from bench.seed import wait_for_replica
from bench.stack import running_stack
from bench.tasks_bench import make_manager, register, seed
from bench.wrk import run

COMMENTS_SQL = """
INSERT INTO tasks.comments (id, task_id, author_id, body, created_at, updated_at, version)
SELECT gen_random_uuid(), t.id, t.created_by,
       'Looked at it again: ' ||
         (ARRAY['waiting on finance', 'needs a second review', 'blocked by vendor'])[1 + n %% 3]
         || CASE WHEN n %% 2000 = 0 THEN ' kestrel' ELSE '' END,
       now(), now(), 1
FROM (SELECT id, created_by, row_number() OVER (ORDER BY id) AS n FROM tasks.tasks) t
WHERE t.n %% 10 = 0;
"""
FACETS_TARGET = "p99 ≤ 50 ms at 10,000"
BROAD_TARGET = "p99 ≤ 50 ms at 1,000,000"
BROAD, NARROW = "invoice", "escalation"
"""Words of bench.seed's tasks: in 1 title in 6, in 1 description in 2,000."""
DEEP_PAGE = 61


def seed_comments(database_url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(COMMENTS_SQL, {})
        connection.execute("VACUUM ANALYZE tasks.comments, tasks.search_documents, tasks.tasks")
    return time.perf_counter() - started


def explain_facets(database_url: str) -> list[str]:
    from tasks_service.bootstrap import facets_sql

    sql, params = facets_sql()
    with (
        psycopg.connect(database_url, autocommit=True) as connection,
        psycopg.ClientCursor(connection) as cursor,
    ):
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return ["#### facets, manager, no filter", "", "```", plan, "```", ""]


def bench_size(count: int, duration: int, connections: int = 32) -> list[str]:
    with running_stack() as stack:
        base, database_url = stack.base_url, stack.database_url
        member = register(base, f"member{uuid.uuid4().hex[:6]}")
        manager = register(base, f"manager{uuid.uuid4().hex[:6]}")
        member_id, manager_id = member["user"]["id"], manager["user"]["id"]
        wait_for_replica(database_url, [member_id, manager_id])
        make_manager(database_url, manager_id)
        seconds = seed(database_url, count, member_id, manager_id)
        comment_seconds = seed_comments(database_url)
        token, boss = member["access_token"], manager["access_token"]
        tasks = f"{base}/api/v1/tasks"
        rows = [
            f"### {count:,} tasks (seeded in {seconds:.1f} s, comments and their search "
            f"documents in {comment_seconds:.1f} s)",
            "",
            "| endpoint | req/s | p50 ms | p99 ms | target | non-2xx |",
            "|---|---|---|---|---|---|",
        ]
        cases = [
            ("facets (member)", f"{tasks}/facets/", token, FACETS_TARGET),
            (
                "facets filtered + searched (member)",
                f"{tasks}/facets/?status=todo&status=in_progress&q=escalation",
                token,
                FACETS_TARGET,
            ),
            ("facets (manager)", f"{tasks}/facets/", boss, FACETS_TARGET),
            ("facets, one tag (manager)", f"{tasks}/facets/?tag=tag7", boss, FACETS_TARGET),
            ("suggest, prefix `prep` (member)", f"{tasks}/suggest/?q=prep", token, ""),
            ("suggest, typo `relase` (member)", f"{tasks}/suggest/?q=relase", token, ""),
            ("suggest, typo `relase` (manager)", f"{tasks}/suggest/?q=relase", boss, ""),
            (
                "list searched by a comment word (member)",
                f"{tasks}/?limit=20&q=kestrel",
                token,
                "",
            ),
            (f"list searched, broad `{BROAD}` (member)", f"{tasks}/?q={BROAD}", token, ""),
            (
                f"list searched, broad `{BROAD}` (manager)",
                f"{tasks}/?q={BROAD}",
                boss,
                BROAD_TARGET,
            ),
            (f"list searched, narrow `{NARROW}` (manager)", f"{tasks}/?q={NARROW}", boss, ""),
        ]
        for name, url, bearer, target in cases:
            result = run(
                url,
                token=bearer,
                duration_s=duration,
                connections=connections,
                threads=min(2, connections),
            )
            rows.append(result.row(name, target))
        return [*rows, "", *explain_facets(database_url)]


def _timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    call()  # warm the plan and the caches
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def _searched_cases(
    page: Callable[..., list[tuple[object, ...]]], member: str
) -> list[tuple[str, Callable[[], object]]]:
    """The list searched by relevance: first, second and a deep page, each caller, each term."""
    cases: list[tuple[str, Callable[[], object]]] = []
    for term in (BROAD, NARROW):
        for who, user in (("member", member), ("manager", None)):
            first = page(term, user)
            cases.append((f"list `{term}` ({who}), page 1", lambda t=term, u=user: page(t, u)))
            after = first[-1] if len(first) == 20 else None
            if after is not None:
                cases.append(
                    (
                        f"list `{term}` ({who}), page 2",
                        lambda t=term, u=user, a=after: page(t, u, a),
                    )
                )
            for _ in range(DEEP_PAGE - 2):
                if after is None:
                    break
                rows = page(term, user, after)
                after = rows[-1] if len(rows) == 20 else None
            if after is not None:
                cases.append(
                    (
                        f"list `{term}` ({who}), page {DEEP_PAGE}",
                        lambda t=term, u=user, a=after: page(t, u, a),
                    )
                )
    return cases


def _bench_users(admin_url: str) -> tuple[str, str]:
    member, manager = str(uuid.uuid4()), str(uuid.uuid4())
    with psycopg.connect(admin_url, autocommit=True) as connection:
        for user_id, role in ((member, "member"), (manager, "manager")):
            connection.execute(
                "INSERT INTO tasks.replica_users (id, username, display_name, email, role, "
                "is_active, version, updated_at) VALUES (%s, %s, %s, %s, %s, true, 1, now())",
                (user_id, f"u{user_id[:8]}", "U", f"{user_id[:8]}@bench.local", role),
            )
    return member, manager


def _measure_sql(admin_url: str, app_url: str, member: str, repeat: int, title: str) -> list[str]:
    from tasks_service.bootstrap import list_probe, search_probe

    facets, suggest, engine = search_probe(app_url)
    page, list_engine = list_probe(app_url)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("facets (member)", lambda: facets(member)),
        (
            "facets filtered + searched (member)",
            lambda: facets(member, ("todo", "in_progress"), "escalation"),
        ),
        ("facets (manager)", lambda: facets()),
        ("facets, one tag (manager)", lambda: facets(tags=("tag7",))),
        ("suggest, prefix `prep` (member)", lambda: suggest("prep", member)),
        ("suggest, typo `relase` (member)", lambda: suggest("relase", member)),
        ("suggest, typo `relase` (manager)", lambda: suggest("relase")),
        *_searched_cases(page, member),
    ]
    rows = [title, "", "| statement | p50 ms | p99 ms |", "|---|---|---|"]
    for name, call in cases:
        p50, p99 = _timed(call, repeat)
        rows.append(f"| {name} | {p50:.1f} | {p99:.1f} |")
    engine.dispose()
    list_engine.dispose()
    return [*rows, "", *explain_facets(admin_url)]


def bench_sql(count: int, repeat: int, keep: str | None = None) -> list[str]:
    """The facets, suggestions and searched list through the adapters, on a throwaway
    database (kept, under the name `keep`, when given)."""
    from bench.jobs_bench import tasks_database, tasks_settings
    from tasks_service.bootstrap import migrate

    with tasks_database(keep) as (admin_url, app_url, migrator_url):
        migrate(tasks_settings(app_url, migrator_url))
        member, manager = _bench_users(admin_url)
        seconds = seed(admin_url, count, member, manager)
        comment_seconds = seed_comments(admin_url)
        title = (
            f"### SQL only, {count:,} tasks (seeded in {seconds:.1f} s, comments and their "
            f"search documents in {comment_seconds:.1f} s; {repeat} calls each)"
        )
        return _measure_sql(admin_url, app_url, member, repeat, title)


def bench_existing(name: str, repeat: int) -> list[str]:
    """The same measures on a database an earlier `--keep` run seeded."""
    from bench.jobs_bench import existing_tasks_database

    admin_url, app_url = existing_tasks_database(name)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        found = connection.execute(
            "SELECT (SELECT id::text FROM tasks.replica_users WHERE role = 'member' "
            "AND username LIKE 'u%' ORDER BY updated_at LIMIT 1), "
            "(SELECT count(*) FROM tasks.tasks)"
        ).fetchone()
    if found is None or found[0] is None:
        raise SystemExit(f"{name} holds no bench member")
    member, count = found
    title = f"### SQL only, {count:,} tasks (database {name}; {repeat} calls each)"
    return _measure_sql(admin_url, app_url, member, repeat, title)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--sql", action="store_true", help="the read side alone, no stack")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--connections", type=int, default=32, help="wrk's -c (HTTP mode)")
    parser.add_argument("--keep", help="with --sql and one size: keep the database, this name")
    parser.add_argument("--database", help="with --sql: measure this kept database, no seeding")
    args = parser.parse_args()
    output: list[str] = []
    if args.database:
        output = bench_existing(args.database, args.repeat)
    for count in [] if args.database else args.sizes:
        if args.sql:
            result = bench_sql(count, args.repeat, args.keep)
        else:
            result = bench_size(count, args.duration, args.connections)
        output += [*result, ""]
    print("\n".join(output))


if __name__ == "__main__":
    main()
