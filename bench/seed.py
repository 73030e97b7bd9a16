"""Bulk seeding shared by the benchmarks: rows made by PostgreSQL itself (`generate_series`).

The statements use psycopg's client-side binding (`%%` is a literal `%`): run them through a
`psycopg.ClientCursor`, several statements in one round trip.
"""

from __future__ import annotations

import time

import psycopg

# `count` tasks; task n is created by the row of temp table `creators (id, slot)` whose slot is
# n % `creators`. Statuses cycle over the six (1 in 6 done), a third have no due date, the rest
# are due between 20 days ago and 39 days ahead of now() (about a third overdue), two tasks in
# 120 are due right now (today), 1 task in 2,000 mentions an escalation.
TASKS_SQL = """
INSERT INTO tasks.tasks (id, title, description, status, priority, due_date, estimated_hours,
                         created_by, metadata, created_at, updated_at, version)
SELECT gen_random_uuid(),
       (ARRAY['Prepare', 'Review', 'Fix', 'Write', 'Plan'])[1 + n %% 5] || ' ' ||
         (ARRAY['release notes', 'invoice batch', 'login page', 'onboarding guide',
                'database backup', 'quarterly report'])[1 + n %% 6] || ' #' || n,
       'Task number ' || n || ' with some words to search: ' ||
         (ARRAY['budget', 'customer', 'deploy', 'security', 'design'])[1 + n %% 5] ||
         -- A selective term, as a real search is: 1 task in 2,000 mentions an escalation.
         CASE WHEN n %% 2000 = 0 THEN ' escalation' ELSE '' END,
       (ARRAY['todo', 'in_progress', 'in_review', 'blocked', 'done', 'cancelled'])[1 + n %% 6],
       (ARRAY['low', 'medium', 'high', 'urgent'])[1 + n %% 4],
       CASE WHEN n %% 3 = 0 THEN NULL ELSE now() + ((n %% 60) - 20) * interval '1 day' END,
       (n %% 40) / 2.0,
       (SELECT id FROM creators WHERE slot = n %% %(creators)s),
       '{}'::jsonb,
       now() - n * interval '1 second',
       now() - n * interval '1 second',
       1
FROM generate_series(1, %(count)s) AS n;
"""


def wait_for_replica(database_url: str, user_ids: list[str], timeout: float = 60.0) -> None:
    """Until the users registered through the gateway have reached the tasks replica."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(database_url, autocommit=True) as connection:
        while True:
            found = connection.execute(
                "SELECT count(*) FROM tasks.replica_users WHERE id = ANY(%s::uuid[])", (user_ids,)
            ).fetchone()
            if found and found[0] == len(user_ids):
                return
            if time.monotonic() > deadline:
                raise SystemExit("the tasks replica did not receive the bench users")
            time.sleep(0.2)
