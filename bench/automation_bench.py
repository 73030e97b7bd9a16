"""Automation (issue 13): the SLA escalation job over many open tasks, the re-apply of a
changed policy, and auto-assignment latency.

A throwaway database, provisioned and migrated for the tasks service only (bench.jobs_bench),
seeded with SQL (bench.seed): `--tasks` tasks, all open (`todo`/`in_progress`), one SLA
policy, and an SLA row per task computed by the migration's defaults and then by the re-apply
use case on a `--reapply` sample (the rest copied from it in SQL, shifted in time).

1. `tasks.escalate_slas` (every 30 s): runs with 0, 100 and 1,000 tasks whose next SLA
   instant has come (each entering `at_risk`: an event, a history row, the row updated), then
   1,000 breaching at once (the priority raised: the task row, two events, history, score),
   the others not due. Wall time per run.
2. `tasks.reapply_sla_policies` (after a policy change): every running clock evaluated again;
   wall time for `--reapply` tasks, and per task.
3. Auto-assignment: `POST /tasks` as the use case (no HTTP) in a team of `--members` members
   with `least_loaded`, the members' open assigned tasks being the seeded ones: mean, p50, p99
   of `--creates` sequential creates, and the same with auto-assignment off.

Prints Markdown. Run: `.venv/bin/python -m bench.automation_bench [--tasks 100000]`.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, datetime

import psycopg

from bench.jobs_bench import tasks_database, tasks_settings
from bench.seed import TASKS_SQL
from tasks_service.bootstrap import automation_probe, migrate

SEED_PEOPLE = """
CREATE TEMP TABLE creators AS
SELECT gen_random_uuid() AS id, s - 1 AS slot FROM generate_series(1, %(members)s) AS s;
INSERT INTO tasks.replica_users (id, username, display_name, email, role, is_active, version,
                                 updated_at, timezone, notification_preferences)
SELECT id, 'u' || slot, 'User ' || slot, 'u' || slot || '@bench.local',
       CASE WHEN slot = 0 THEN 'manager' ELSE 'member' END, true, 1, now(), 'UTC', '{}'
FROM creators;
INSERT INTO tasks.replica_teams (id, name, is_deleted, version)
VALUES (%(team)s, 'Bench team', false, 1);
INSERT INTO tasks.replica_team_members (team_id, user_id) SELECT %(team)s, id FROM creators;
"""
OPEN_AND_ASSIGNED = """
UPDATE tasks.tasks SET status = CASE WHEN status IN ('done', 'cancelled', 'blocked')
                                     THEN 'todo' ELSE status END,
                       team_id = %(team)s;
INSERT INTO tasks.task_assignments (task_id, user_id, assigned_by, assigned_at, task_created_at)
SELECT t.id, t.created_by, t.created_by, t.created_at, t.created_at FROM tasks.tasks t;
-- Round the clock: the due instants do not depend on the hour the bench runs at.
INSERT INTO tasks.calendars (id, name, timezone, working_days, day_start, day_end, holidays,
                             created_by, created_at, updated_at, version)
VALUES (%(policy)s, 'Always', 'UTC', ARRAY[1, 2, 3, 4, 5, 6, 7], '00:00', '23:59', '{}',
        (SELECT id FROM creators WHERE slot = 0), now(), now(), 1);
INSERT INTO tasks.team_settings (team_id, calendar_id, auto_assign, updated_at, version)
VALUES (%(team)s, %(policy)s, 'off', now(), 1);
INSERT INTO tasks.sla_policies (id, name, priorities, team_id, tag, response_hours,
                                resolution_hours, created_by, created_at, updated_at, version)
VALUES (%(policy)s, 'All', ARRAY['low', 'medium', 'high', 'urgent'], NULL, NULL, 8, 40,
        (SELECT id FROM creators WHERE slot = 0), now() - interval '1 year', now(), 1);
INSERT INTO tasks.task_slas (task_id, started_at, responded_at, resolved_at, paused_since,
                             paused, policy_id, response_due, resolution_due, state,
                             next_check_at, at_risk_notified, breached_notified)
SELECT id, now(), CASE WHEN status = 'todo' THEN NULL ELSE now() END, NULL, NULL,
       interval '0', %(policy)s, now() + interval '3 days', now() + interval '9 days',
       'on_track', now() + interval '2 days', false, false
FROM tasks.tasks;
ANALYZE tasks.tasks; ANALYZE tasks.task_slas; ANALYZE tasks.task_assignments;
"""
MAKE_DUE = """
UPDATE tasks.task_slas SET next_check_at = now() - interval '1 minute',
       response_due = now() + interval '1 hour', started_at = now() - %(age)s::interval
WHERE task_id IN (SELECT task_id FROM tasks.task_slas
                  WHERE next_check_at > now() ORDER BY task_id LIMIT %(due)s)
"""
AT_RISK, BREACHING = "7 hours", "30 days"
"""Started 7 h ago (of an 8 h response target, round the clock): at risk; 30 days: breached."""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--reapply", type=int, default=5_000)
    parser.add_argument("--creates", type=int, default=200)
    args = parser.parse_args()
    team, policy = uuid.uuid4(), uuid.uuid4()
    with tasks_database() as (admin_url, app_url, migrator_url):
        settings = tasks_settings(app_url, migrator_url)
        migrate(settings)
        started = time.perf_counter()
        params = {"members": args.members, "team": team, "policy": policy}
        with (
            psycopg.connect(admin_url, autocommit=True) as connection,
            psycopg.ClientCursor(connection) as cursor,
        ):
            cursor.execute(
                SEED_PEOPLE + TASKS_SQL, params | {"count": args.tasks, "creators": args.members}
            )
            cursor.execute(OPEN_AND_ASSIGNED, params)
        print(f"## Automation bench: {args.tasks:,} open tasks, {args.members} members")
        print(f"\nSeeded in {time.perf_counter() - started:.1f} s.\n")
        escalate, reapply, create_in_team, runtime = automation_probe(settings)
        try:
            print("### SLA escalation job (`tasks.escalate_slas`)\n")
            print("| due in this run | wall time ms | evaluated | entered at_risk | breached |")
            print("|---|---|---|---|---|")
            for due, age in ((0, AT_RISK), (100, AT_RISK), (1_000, AT_RISK), (1_000, BREACHING)):
                with psycopg.connect(admin_url, autocommit=True) as connection:
                    connection.execute(MAKE_DUE, {"due": due, "age": age})
                start = time.perf_counter()
                report = escalate(datetime.now(UTC))
                took = time.perf_counter() - start
                assert isinstance(report, dict)
                print(
                    f"| {due:,} | {_ms(took)} | {report['evaluated']:,} | {report['at_risk']:,} |"
                    f" {report['breached']:,} |"
                )

            print("\n### Re-apply after a policy change (`tasks.reapply_sla_policies`)\n")
            with psycopg.connect(admin_url, autocommit=True) as connection:
                # Only a sample runs: the job walks the running clocks in id order.
                connection.execute(
                    "UPDATE tasks.task_slas SET resolved_at = now() WHERE task_id NOT IN "
                    "(SELECT task_id FROM tasks.task_slas ORDER BY task_id LIMIT %s)",
                    (args.reapply,),
                )
            start = time.perf_counter()
            report = reapply(datetime.now(UTC))
            took = time.perf_counter() - start
            assert isinstance(report, dict)
            per_task = took / max(1, report["evaluated"])
            print("| clocks | wall time s | per task ms | at 100,000 (extrapolated) s |")
            print("|---|---|---|---|")
            print(
                f"| {report['evaluated']:,} | {took:.2f} | {per_task * 1000:.2f} |"
                f" {per_task * 100_000:.0f} |"
            )

            print("\n### Auto-assignment: create a team task without assignees\n")
            print("| auto_assign | creates | mean ms | p50 ms | p99 ms |")
            print("|---|---|---|---|---|")
            with psycopg.connect(admin_url, autocommit=True) as connection:
                actor = connection.execute(
                    "SELECT user_id FROM tasks.replica_team_members WHERE team_id = %s LIMIT 1",
                    (team,),
                ).fetchone()[0]
            for mode in ("off", "least_loaded", "round_robin"):
                with psycopg.connect(admin_url, autocommit=True) as connection:
                    connection.execute(
                        "INSERT INTO tasks.team_settings (team_id, auto_assign, updated_at,"
                        " version) VALUES (%s, %s, now(), 1) ON CONFLICT (team_id) DO UPDATE"
                        " SET auto_assign = excluded.auto_assign",
                        (team, mode),
                    )
                times = []
                for _ in range(args.creates):
                    start = time.perf_counter()
                    create_in_team(str(actor), str(team))
                    times.append((time.perf_counter() - start) * 1000)
                print(
                    f"| {mode} | {args.creates} | {statistics.mean(times):.1f} |"
                    f" {percentile(times, 0.5):.1f} | {percentile(times, 0.99):.1f} |"
                )
        finally:
            runtime.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
