"""Analytics endpoints at N tasks (issue 14, ADR 0021): the dashboard and a team's figures
read counters only, so their latency should not grow with the number of tasks.

For each size: a throwaway database with the analytics schema (migrations as in production),
N synthetic tasks turned into the counters the consumer would build for them (one
`INSERT … SELECT … GROUP BY` per counter table: created over the last 365 days, 3 in 5 done
1-72 hours later, 200 users, 20 teams, a third with a due date), `VACUUM ANALYZE`, then
`--repeat` requests through the analytics app in-process (Flask test client: routing, JWT
verification, validation, SQL, JSON; no HTTP server or gateway), p50/p99.
Run: `.venv/bin/python -m bench.analytics_bench [--sizes 10000 1000000] [--repeat 300]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
USERS, TEAMS = 200, 20

# Synthetic task facts: task n belongs to user n % USERS and team n % TEAMS.
FACTS = """
CREATE TEMP TABLE facts AS
SELECT n,
       ('00000000-0000-7000-8000-' || lpad(to_hex(n %% {users}), 12, '0'))::uuid AS user_id,
       ('00000000-0000-7000-9000-' || lpad(to_hex(n %% {teams}), 12, '0'))::uuid AS team_id,
       date_trunc('hour', now() - (n %% 8760) * interval '1 hour') AS created_hour,
       CASE WHEN n %% 5 < 3 THEN date_trunc('hour', now() - (n %% 8760) * interval '1 hour'
            + (1 + n %% 72) * interval '1 hour') END AS done_hour,
       (n %% 8) AS points,
       (ARRAY['todo', 'in_progress', 'in_review', 'blocked'])[1 + n %% 4] AS open_status,
       CASE WHEN n %% 3 = 0 THEN date_trunc('hour', now() + ((n %% 60) - 20) * interval '1 day')
       END AS due_hour
FROM generate_series(1, {count}) AS n;
"""
SCOPES = """
CREATE TEMP TABLE scoped AS
SELECT 'all' AS scope, '00000000-0000-0000-0000-000000000000'::uuid AS scope_id, f.* FROM facts f
UNION ALL SELECT 'user', f.user_id, f.* FROM facts f
UNION ALL SELECT 'team', f.team_id, f.* FROM facts f;
"""
COUNTERS = """
INSERT INTO analytics.hourly_counters
SELECT scope, scope_id, hour, sum(created), sum(completed), sum(pc), sum(pd), 0, 0 FROM (
  SELECT scope, scope_id, created_hour AS hour, 1 AS created, 0 AS completed, points AS pc, 0 AS pd
  FROM scoped
  UNION ALL
  SELECT scope, scope_id, done_hour, 0, 1, 0, points FROM scoped WHERE done_hour IS NOT NULL
) moves GROUP BY scope, scope_id, hour;
INSERT INTO analytics.cycle_histogram
SELECT scope, scope_id, done_hour::date, 1 + floor(log(2, (1 + n %% 72) * 60))::int, count(*)
FROM scoped WHERE done_hour IS NOT NULL GROUP BY 1, 2, 3, 4;
INSERT INTO analytics.dimension_counters
SELECT scope, scope_id, 'status',
       CASE WHEN done_hour IS NULL THEN open_status ELSE 'done' END, count(*)
FROM scoped GROUP BY 1, 2, 3, 4;
INSERT INTO analytics.due_counters
SELECT scope, scope_id, due_hour, count(*) FROM scoped
WHERE done_hour IS NULL AND due_hour IS NOT NULL GROUP BY 1, 2, 3;
INSERT INTO analytics.users
SELECT DISTINCT user_id, 'member', 'Europe/Paris', true, 1 FROM facts;
INSERT INTO analytics.teams
SELECT team_id, 'Team', array_agg(DISTINCT user_id), false, 1 FROM facts GROUP BY team_id;
"""


def access_token(user_id: uuid.UUID) -> tuple[dict[str, Any], str]:
    """A JWKS and a member's access token as auth would sign them (the bench reaches auth
    through no import: the platform sees services by their bootstrap and config only)."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa
    from jwt.algorithms import RSAAlgorithm

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public: dict[str, Any] = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    public |= {"kid": "bench", "use": "sig", "alg": "RS256"}
    now = int(time.time())
    claims = {
        "iss": "taskhive-auth",
        "aud": "taskhive",
        "sub": str(user_id),
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
        "jti": str(uuid.uuid4()),
        "role": "member",
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "bench", "typ": "at+jwt"})
    return {"keys": [public]}, token


def seed(database_url: str, count: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(database_url, autocommit=True) as connection:
        with psycopg.ClientCursor(connection) as cursor:
            cursor.execute(FACTS.format(users=USERS, teams=TEAMS, count=count), {})
            cursor.execute(SCOPES, {})
            cursor.execute(COUNTERS, {})
        connection.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(call: Callable[[], int], repeat: int) -> tuple[float, float]:
    for _ in range(20):
        assert call() == 200
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        status = call()
        timings.append((time.perf_counter() - started) * 1000)
        assert status == 200
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def run_size(count: int, repeat: int) -> list[tuple[str, float, float]]:
    from analytics_service.bootstrap import build_http_app, build_runtime, migrate
    from analytics_service.config import AnalyticsSettings
    from taskhive_infra.provision import provision
    from taskhive_shared.db.provisioning import drop_database
    from taskhive_shared.security.denylist import InMemoryTokenDenylist
    from taskhive_shared.security.tokens import LocalKeyResolver

    name = f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    provision(ADMIN_URL, name, migrate=False)
    base = ADMIN_URL.rsplit("/", 1)[0]
    try:
        settings = AnalyticsSettings(
            database_url=f"{base.replace('postgres@', 'analytics_app:analytics_app@')}/{name}",
            migrator_database_url=(
                f"{base.replace('postgres@', 'analytics_migrator:analytics_migrator@')}/{name}"
            ),
            jwks_url=None,
        )
        migrate(settings)
        seconds = seed(f"{base}/{name}", count)
        member = uuid.UUID("00000000-0000-7000-8000-000000000007")
        team = uuid.UUID("00000000-0000-7000-9000-000000000007")
        jwks, token = access_token(member)
        runtime = build_runtime(
            settings, key_resolver=LocalKeyResolver(lambda: jwks), denylist=InMemoryTokenDenylist()
        )
        client = build_http_app(runtime).test_client()
        auth = {"Authorization": f"Bearer {token}"}
        calls = {
            "GET /dashboard/ (30 days)": "/api/v1/analytics/dashboard/",
            "GET /teams/{id}/ (90 days)": (
                f"/api/v1/analytics/teams/{team}/?from="
                f"{time.strftime('%Y-%m-%d', time.gmtime(time.time() - 89 * 86400))}"
            ),
            "GET /distribution/?by=status": "/api/v1/analytics/distribution/?by=status",
        }
        print(f"seeded {count:,} tasks' counters in {seconds:.1f} s")
        results = []
        for label, path in calls.items():
            p50, p99 = measure(lambda path=path: client.get(path, headers=auth).status_code, repeat)
            results.append((label, p50, p99))
        runtime.engine.dispose()
        return results
    finally:
        drop_database(ADMIN_URL, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        rows += [(size, *result) for result in run_size(size, args.repeat)]
    print("\n| tasks | endpoint | p50 ms | p99 ms |\n|---:|---|---:|---:|")
    for size, label, p50, p99 in rows:
        print(f"| {size:,} | {label} | {p50:.1f} | {p99:.1f} |")


if __name__ == "__main__":
    main()
