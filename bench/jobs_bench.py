"""Background jobs (issue 5): the daily summary at scale, and assignment → email latency.

1. `tasks.generate_daily_summary` for 10,000 users with 1,000,000 tasks. A throwaway database,
   provisioned and migrated for the tasks service only, seeded with SQL (bench.seed):
   10,000 replica users in timezones that share one UTC offset (all at 07:00 local at the run's
   `now`), 9,800 of them with ~102 tasks assigned each (200 have none: skipped as empty), a
   `created` history row per task, every done task completed (`status_changed` to done) either
   yesterday (1 in 4) or earlier. The job runs eagerly (no broker), built as
   `tasks-service jobs` builds it (`build_offline_runtime` + `build_jobs_app`), each run in a
   fresh interpreter (its peak RSS its own: VmHWM reset), with `tasks.notifications` emptied
   before each run:
     - record only: the use case with a dispatcher that enqueues nothing;
     - job, counting mailer: record + deliver (claim, render, mark sent) with a mailer that
       counts;
     - job, SMTP: the same, delivered to a LocalSmtpServer in the bench process;
     - job, second run of the same hour: everything already recorded;
     - record only again, under tracemalloc (the peak of Python allocations).
   Then EXPLAIN (ANALYZE, BUFFERS) of one batch of the SUMMARIES statement.
2. Assignment → email delivered, on `make stack` (bench.stack) sending to a LocalSmtpServer in
   this process: N clients create tasks and assign a colleague at a steady rate through
   HAProxy; latency from the assign response (200) to the SMTP server accepting the email
   ("… assigned you to “<unique title>”").

Prints Markdown tables. Run: `.venv/bin/python -m bench.jobs_bench [--tasks 1000000]`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import resource
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import requests
from sqlalchemy.engine import make_url

from bench.auth_bench import percentile
from bench.seed import TASKS_SQL, wait_for_replica
from bench.stack import ADMIN_URL, running_stack
from bench.wrk import WrkResult, run

TIMEOUT = 30
SUMMARY_HOUR = 7
# Zones that share CET's offset in winter (Lagos and Algiers have no summer time): those whose
# local hour at the run's `now` is not 7 are left out.
ZONES = (
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Africa/Lagos",
    "Africa/Algiers",
)
ANCHOR_ZONE = ZONES[0]
TITLE_PREFIX = "jobsbench"
_TITLE = re.compile(TITLE_PREFIX + r" ?([0-9a-f]{12})")
"""A task title in an email subject, space lost or not (see bench_latency)."""
WITHOUT_TASKS = 0.02
"""Share of the users without any task (the job skips their empty summary)."""

USERS_SQL = """
INSERT INTO tasks.replica_users (id, username, display_name, email, role, is_active, version,
                                 updated_at, timezone, notification_preferences)
SELECT gen_random_uuid(), 'sum' || n, 'Summary User ' || n, 'sum' || n || '@bench.local',
       'member', true, 1, now(), (%(zones)s::text[])[1 + n %% %(zone_count)s],
       '{"daily_summary": true, "task_assigned": true, "task_overdue": true}'::jsonb
FROM generate_series(1, %(users)s) AS n;

CREATE TEMP TABLE creators (slot integer PRIMARY KEY, id uuid NOT NULL);
INSERT INTO creators
SELECT row_number() OVER (ORDER BY id) - 1, id FROM tasks.replica_users;
CREATE TEMP TABLE assignees (slot integer PRIMARY KEY, id uuid NOT NULL);
INSERT INTO assignees SELECT slot, id FROM creators WHERE slot < %(with_tasks)s;
ANALYZE creators, assignees;
"""

ASSIGNMENTS_AND_HISTORY_SQL = """
INSERT INTO tasks.task_assignments (task_id, user_id, assigned_by, assigned_at, task_created_at)
SELECT t.id, a.id, t.created_by, t.created_at, t.created_at
FROM tasks.tasks t JOIN assignees a ON a.slot = abs(hashtext(t.id::text)) %% %(with_tasks)s;

INSERT INTO tasks.task_history (id, task_id, action, actor_id, at, changes)
SELECT gen_random_uuid(), t.id, 'created', t.created_by, t.created_at, '{}'::jsonb
FROM tasks.tasks t;

INSERT INTO tasks.task_history (id, task_id, action, actor_id, at, changes)
SELECT gen_random_uuid(), t.id, 'status_changed', t.created_by,
       CASE WHEN abs(hashtext(t.id::text || 'done')) %% 4 = 0 THEN %(yesterday)s::timestamptz
            ELSE %(yesterday)s::timestamptz
                 - (1 + abs(hashtext(t.id::text || 'when')) %% 59) * interval '1 day'
       END,
       '{"status": {"old": "in_progress", "new": "done"}}'::jsonb
FROM tasks.tasks t WHERE t.status = 'done';
"""


# --- 1. The daily summary -----------------------------------------------------------------


def summary_moment(today: date | None = None) -> tuple[datetime, datetime, tuple[str, ...]]:
    """07:00 today in the anchor zone (UTC), noon yesterday there, and the zones at 07:00."""
    anchor = ZoneInfo(ANCHOR_ZONE)
    day = today or datetime.now(anchor).date()
    now = datetime(day.year, day.month, day.day, SUMMARY_HOUR, tzinfo=anchor).astimezone(UTC)
    yesterday = datetime(day.year, day.month, day.day, 12, tzinfo=anchor) - timedelta(days=1)
    zones = tuple(z for z in ZONES if now.astimezone(ZoneInfo(z)).hour == SUMMARY_HOUR)
    return now, yesterday.astimezone(UTC), zones


@contextmanager
def tasks_database(keep: str | None = None) -> Iterator[tuple[str, str, str]]:
    """(superuser URL, tasks_app URL, tasks_migrator URL) of a throwaway database (kept under
    the name `keep` if given, for `existing_tasks_database`)."""
    from taskhive_infra.provision import database_url_for, role_password
    from taskhive_shared.db.provisioning import drop_database, ensure_database, provision_service

    name = keep or f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    ensure_database(ADMIN_URL, name)
    try:
        admin = database_url_for(ADMIN_URL, name)
        passwords = {kind: role_password("tasks", kind) for kind in ("migrator", "app")}
        provision_service(
            admin,
            "tasks",
            migrator_password=passwords["migrator"],
            app_password=passwords["app"],
        )
        urls = {
            kind: make_url(admin)
            .set(username=f"tasks_{kind}", password=password)
            .render_as_string(hide_password=False)
            for kind, password in passwords.items()
        }
        yield admin, urls["app"], urls["migrator"]
    finally:
        if keep is None:
            drop_database(ADMIN_URL, name)


def existing_tasks_database(name: str) -> tuple[str, str]:
    """(superuser URL, tasks_app URL) of a database `tasks_database(keep=name)` made."""
    from taskhive_infra.provision import database_url_for, role_password

    admin = database_url_for(ADMIN_URL, name)
    app = (
        make_url(admin)
        .set(username="tasks_app", password=role_password("tasks", "app"))
        .render_as_string(hide_password=False)
    )
    return admin, app


def tasks_settings(app_url: str, migrator_url: str | None = None, **overrides: Any) -> Any:
    from tasks_service.config import TasksSettings

    # Eager jobs whatever the environment says: no broker, the job runs in this process.
    return TasksSettings(
        database_url=app_url,
        migrator_database_url=migrator_url,
        jwks_url=None,
        jobs_broker_url=None,
        log_level="WARNING",
        **overrides,
    )


def seed_summaries(
    admin_url: str, tasks: int, users: int, zones: Sequence[str], yesterday: datetime
) -> dict[str, float]:
    with_tasks = users - round(users * WITHOUT_TASKS)
    params = {
        "users": users,
        "with_tasks": with_tasks,
        "zones": list(zones),
        "zone_count": len(zones),
        "count": tasks,
        "creators": users,
        "yesterday": yesterday,
    }
    timings: dict[str, float] = {}
    with psycopg.connect(admin_url, autocommit=True) as connection:
        with psycopg.ClientCursor(connection) as cursor:
            for name, statements in (
                ("users", USERS_SQL),
                ("tasks", TASKS_SQL),
                ("assignments + history", ASSIGNMENTS_AND_HISTORY_SQL),
            ):
                started = time.perf_counter()
                cursor.execute(statements, params)
                timings[name] = time.perf_counter() - started
        started = time.perf_counter()
        connection.execute(
            "VACUUM ANALYZE tasks.replica_users, tasks.tasks, tasks.task_assignments, "
            "tasks.task_history"
        )
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


class CountingMailer:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, email: object) -> None:
        self.sent += 1


class NullDispatcher:
    """Records nothing to deliver: the summaries are recorded, no delivery job runs."""

    def send_task_notification(self, *_args: object) -> None:
        return None

    def deliver(self, notification_ids: Sequence[uuid.UUID]) -> None:
        return None


@dataclass
class SqlClock:
    """Time spent in the database driver's execute (round trip included), by statement."""

    summaries_s: float = 0.0
    summaries_calls: int = 0
    other_s: float = 0.0
    other_calls: int = 0
    _started: dict[int, float] = field(default_factory=dict)

    def attach(self, engine: Any) -> None:
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, _conn: Any, cursor: Any, *_args: Any) -> None:
        self._started[id(cursor)] = time.perf_counter()

    def _after(self, _conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        elapsed = time.perf_counter() - self._started.pop(id(cursor), time.perf_counter())
        if "WITH zones AS MATERIALIZED" in statement:
            self.summaries_s += elapsed
            self.summaries_calls += 1
        else:
            self.other_s += elapsed
            self.other_calls += 1


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def _reset_peak_rss() -> None:
    """Start VmHWM afresh (Linux ≥ 4.0): ru_maxrss cannot be reset, and a spawned process
    inherits its parent's high-water mark across fork + exec."""
    Path("/proc/self/clear_refs").write_text("5")


def run_summary_job(
    app_url: str, now: str, mode: str, trace: bool, smtp: tuple[str, int] | None
) -> dict[str, Any]:
    """One run in a fresh interpreter (spawned): the job, timed, with its memory."""
    import tracemalloc

    from taskhive_shared.jobs.app import service_jobs
    from tasks_service.bootstrap import build_jobs_app, build_offline_runtime, build_tasks_jobs

    smtp_settings = {"smtp_host": smtp[0], "smtp_port": smtp[1]} if smtp else {}
    settings = tasks_settings(app_url, **smtp_settings)
    runtime = build_offline_runtime(settings)
    clock = SqlClock()
    clock.attach(runtime.engine)
    mailer = CountingMailer()
    job: Callable[[], dict[str, int]]
    if mode == "record":
        jobs = build_tasks_jobs(settings, runtime, NullDispatcher(), mailer)
        summaries = jobs.daily_summary
        job = lambda: summaries(datetime.fromisoformat(now))  # noqa: E731
    else:
        app = build_jobs_app(settings, runtime, mailer=None if mode == "smtp" else mailer)
        task = app.tasks[service_jobs(app, "tasks")["generate_daily_summary"]]
        job = lambda: task.apply(kwargs={"now": now}).get()  # noqa: E731
    _reset_peak_rss()
    rss_before, maxrss_before = _status_mb("VmRSS"), _maxrss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    counts = job()
    wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if trace:
        tracemalloc.stop()
    rss_peak, maxrss_after = _status_mb("VmHWM"), _maxrss_mb()
    runtime.dispose()
    return {
        **counts,
        "wall_s": wall,
        "counted": mailer.sent,
        "sql_summaries_s": clock.summaries_s,
        "sql_summaries_calls": clock.summaries_calls,
        "sql_other_s": clock.other_s,
        "sql_other_calls": clock.other_calls,
        "rss_before_mb": rss_before,
        "rss_peak_mb": rss_peak,
        "maxrss_before_mb": maxrss_before,
        "maxrss_after_mb": maxrss_after,
        "tracemalloc_peak_mb": peak,
    }


def explain_batch(admin_url: str, now: datetime) -> str:
    """EXPLAIN ANALYZE of the job's first batch (the job's own batch size)."""
    import sqlalchemy as sa

    from taskhive_shared.db.engine import normalise_url
    from tasks_service.bootstrap import daily_summary_sql

    summaries, fixed = daily_summary_sql()
    engine = sa.create_engine(normalise_url(admin_url), connect_args={"options": "-c timezone=UTC"})
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("EXPLAIN (ANALYZE, BUFFERS) " + summaries),
                {**fixed, "now": now, "hour": SUMMARY_HOUR, "after": None},
            ).fetchall()
    finally:
        engine.dispose()
    return "\n".join(row[0] for row in rows)


def bench_summary(tasks: int, users: int) -> list[str]:
    from taskhive_shared.mail.local_server import LocalSmtpServer
    from tasks_service.bootstrap import daily_summary_sql, migrate

    batch = daily_summary_sql()[1]["limit"]
    now, yesterday, zones = summary_moment()
    out = [
        f"### Daily summary: {users:,} users, {tasks:,} tasks",
        "",
        f"`now` = {now.isoformat()} (07:00 in {', '.join(zones)}); batches of {batch}.",
        "",
    ]
    with tasks_database() as (admin_url, app_url, migrator_url):
        migrate(tasks_settings(app_url, migrator_url))
        timings = seed_summaries(admin_url, tasks, users, zones, yesterday)
        with psycopg.connect(admin_url, autocommit=True) as connection:
            sizes = connection.execute(
                "SELECT (SELECT count(*) FROM tasks.task_assignments),"
                " (SELECT count(*) FROM tasks.task_history),"
                " pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()
        assert sizes is not None
        out += [
            "Seeded in "
            + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items())
            + f": {sizes[0]:,} assignments, {sizes[1]:,} history rows, database {sizes[2]}.",
            "",
            "| run | users | recorded | skipped empty | emails | seconds | users/s "
            "| SQL: summaries (calls) | SQL: other (calls) | RSS MB before → peak (VmHWM) "
            "| ru_maxrss delta MB | tracemalloc peak MB |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        runs = [
            ("record only (no delivery)", "record", False, True),
            ("job, counting mailer", "counting", False, True),
            ("job, SMTP (LocalSmtpServer)", "smtp", False, True),
            ("job, second run of the hour", "counting", False, False),
            # tracemalloc slows Python down: a run of its own, for the peak only. The job as a
            # worker runs it with a broker: record, then enqueue the deliveries.
            ("record only, tracemalloc on", "record", True, True),
        ]
        spawn = multiprocessing.get_context("spawn")
        with LocalSmtpServer() as mail:
            for label, mode, trace, fresh in runs:
                if fresh:
                    with psycopg.connect(admin_url, autocommit=True) as connection:
                        connection.execute("TRUNCATE tasks.notifications")
                        connection.execute("VACUUM ANALYZE tasks.notifications")
                mail.clear()
                smtp = (mail.host, mail.port) if mode == "smtp" else None
                with ProcessPoolExecutor(1, mp_context=spawn) as pool:
                    result = pool.submit(
                        run_summary_job, app_url, now.isoformat(), mode, trace, smtp
                    ).result()
                emails = len(mail.messages) if mode == "smtp" else result["counted"]
                peak = result["tracemalloc_peak_mb"]
                out.append(
                    f"| {label} | {result['users']:,} | {result['recorded']:,} "
                    f"| {result['skipped_empty']:,} | {emails:,} | {result['wall_s']:.1f} "
                    f"| {result['users'] / result['wall_s']:,.0f} "
                    f"| {result['sql_summaries_s']:.1f} s ({result['sql_summaries_calls']}) "
                    f"| {result['sql_other_s']:.1f} s ({result['sql_other_calls']:,}) "
                    f"| {result['rss_before_mb']:.0f} → {result['rss_peak_mb']:.0f} "
                    f"| +{result['maxrss_after_mb'] - result['maxrss_before_mb']:.0f} "
                    f"| {'—' if peak is None else f'{peak:.1f}'} |"
                )
                print(out[-1], flush=True)
        plan = explain_batch(admin_url, now)
    out += [
        "",
        f"EXPLAIN (ANALYZE, BUFFERS) of one batch ({batch} users, the first):",
        "",
        "```",
        plan,
        "```",
        "",
    ]
    return out


# --- 2. Assignment → email latency --------------------------------------------------------


class Arrivals:
    """When each email reached the SMTP server: `before_accept` runs on the server's event loop
    just before the message is appended, so the n-th stamp is the n-th message's."""

    def __init__(self, server: Any) -> None:
        self._server = server
        self._stamps: list[float] = []
        server.before_accept = self._stamp

    def _stamp(self) -> None:
        self._stamps.append(time.perf_counter())

    def by_subject(self) -> dict[str, float]:
        messages = self._server.messages
        return {str(m["Subject"]): at for m, at in zip(messages, self._stamps, strict=False)}


@dataclass(frozen=True)
class Account:
    user_id: str
    token: str


def register(base: str, name: str) -> Account:
    response = requests.post(
        f"{base}/api/v1/auth/register",
        json={"email": f"{name}@bench.local", "username": name, "password": f"{name}-secret-pw"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], body["access_token"])


@dataclass
class LoadResult:
    assigned: dict[str, float] = field(default_factory=dict)
    """Unique title → when the assign response arrived."""
    request_ms: list[float] = field(default_factory=list)
    """Create + assign, per iteration."""
    errors: int = 0
    started: float = 0.0
    finished: float = 0.0


def assign_load(
    base: str,
    creators: Sequence[Account],
    assignees: Sequence[Account],
    clients: int,
    rate: float | None,
    duration: float,
) -> LoadResult:
    """`clients` threads, each its own creator, at `rate` assignments/s in all (None: as fast
    as they go); each creates a task with a unique title and assigns one colleague."""
    result = LoadResult()
    lock = threading.Lock()
    result.started = time.perf_counter()
    end = result.started + duration
    period = clients / rate if rate else 0.0

    def client(k: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {creators[k].token}"}
        due = result.started + k * period / clients
        i = 0
        while True:
            if period:
                pause = due - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                due += period
            if time.perf_counter() >= end:
                return
            title = f"{TITLE_PREFIX} {uuid.uuid4().hex[:12]}"
            assignee = assignees[(k + i) % len(assignees)].user_id
            i += 1
            began = time.perf_counter()
            created = session.post(
                f"{base}/api/v1/tasks/", json={"title": title}, headers=headers, timeout=TIMEOUT
            )
            if created.status_code != 201:
                with lock:
                    result.errors += 1
                continue
            assigned = session.post(
                f"{base}/api/v1/tasks/{created.json()['id']}/assign/",
                json={"user_ids": [assignee]},
                headers=headers,
                timeout=TIMEOUT,
            )
            at = time.perf_counter()
            with lock:
                if assigned.status_code == 200:
                    result.assigned[title] = at
                    result.request_ms.append((at - began) * 1000)
                else:
                    result.errors += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.finished = time.perf_counter()
    return result


@dataclass(frozen=True)
class Deliveries:
    latency_ms: list[float]
    """From the assign response to the SMTP server accepting the email, per assignment."""
    lost: int
    """Never arrived (within the wait)."""
    mangled: int
    """Arrived with the title's space lost in the subject (header folding, see the doc)."""
    last_at: float


def deliveries(load: LoadResult, arrivals: Arrivals, wait_s: float = 60) -> Deliveries:
    """Match the emails to the assignments on the title's unique token."""
    deadline = time.monotonic() + wait_s
    tokens = {title.split()[-1]: title for title in load.assigned}
    while True:
        found: dict[str, tuple[float, bool]] = {}
        for subject, at in arrivals.by_subject().items():
            match = _TITLE.search(subject)
            if match and "assigned you" in subject and match.group(1) in tokens:
                title = tokens[match.group(1)]
                found[title] = (at, title in subject)
        if len(found) == len(load.assigned) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    return Deliveries(
        latency_ms=[(found[t][0] - load.assigned[t]) * 1000 for t in load.assigned if t in found],
        lost=len(load.assigned) - len(found),
        mangled=sum(1 for _, intact in found.values() if not intact),
        last_at=max((at for at, _ in found.values()), default=load.finished),
    )


def list_load(base: str, token: str, duration: int, into: list[WrkResult]) -> threading.Thread:
    """wrk on the task list in the background (after its 1 s warm-up), its result `into`."""

    def read() -> None:
        into.append(
            run(
                f"{base}/api/v1/tasks/?limit=20",
                token=token,
                duration_s=duration,
                warmup_s=1,
                connections=8,
                threads=1,
            )
        )

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(1)
    return reader


def bench_latency(duration: float, log_path: Path | None) -> list[str]:
    from taskhive_shared.mail.local_server import LocalSmtpServer

    scenarios: list[tuple[str, int, float | None, bool]] = [
        ("4 clients, 8 assignments/s", 4, 8.0, False),
        ("16 clients, 20 assignments/s", 16, 20.0, False),
        ("16 clients, 20 assignments/s + task-list load (wrk -t1 -c8)", 16, 20.0, True),
        ("16 clients, as fast as they go", 16, None, False),
    ]
    out = [
        "| load | assignments | assign/s achieved | create+assign p50 ms | email p50 ms "
        "| p95 ms | p99 ms | max ms | emails/s | lost | subject mangled | background list load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    with (
        LocalSmtpServer() as mail,
        running_stack(
            log_path=log_path,
            TASKHIVE_SMTP_HOST=mail.host,
            TASKHIVE_SMTP_PORT=str(mail.port),
            # Cheap hashing: registrations are setup here, not the measure.
            AUTH_ARGON2_MEMORY_KIB="1024",
            AUTH_ARGON2_TIME_COST="1",
        ) as stack,
    ):
        arrivals = Arrivals(mail)
        base = stack.base_url
        tag = uuid.uuid4().hex[:6]
        creators = [register(base, f"jbc{tag}{k}") for k in range(16)]
        assignees = [register(base, f"jba{tag}{k}") for k in range(16)]
        wait_for_replica(stack.database_url, [a.user_id for a in [*creators, *assignees]])
        # Warm-up: every client's connections, the worker, the consumer.
        warm = assign_load(base, creators, assignees, 4, 4.0, 3)
        deliveries(warm, arrivals, wait_s=30)
        for label, clients, rate, background in scenarios:
            wrk: list[WrkResult] = []
            reader = list_load(base, creators[0].token, int(duration), wrk) if background else None
            load = assign_load(base, creators, assignees, clients, rate, duration)
            if reader is not None:
                reader.join()
            delivered = deliveries(load, arrivals)
            samples = delivered.latency_ms or [float("nan")]
            span = max(load.finished - load.started, 1e-9)
            emails_rate = len(delivered.latency_ms) / max(delivered.last_at - load.started, 1e-9)
            background_load = (
                f"{wrk[0].requests_per_second:,.0f} req/s, p99 {wrk[0].p99_ms:.0f} ms"
                if wrk
                else "—"
            )
            out.append(
                f"| {label} | {len(load.assigned):,} (errors {load.errors}) "
                f"| {len(load.assigned) / span:.1f} "
                f"| {percentile(load.request_ms or [float('nan')], 0.5):.0f} "
                f"| {percentile(samples, 0.5):.0f} | {percentile(samples, 0.95):.0f} "
                f"| {percentile(samples, 0.99):.0f} | {max(samples):.0f} "
                f"| {emails_rate:.1f} | {delivered.lost} | {delivered.mangled} "
                f"| {background_load} |"
            )
            print(out[-1], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=20, help="seconds per load scenario")
    parser.add_argument("--skip-summary", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--stack-log", type=Path, help="where the stack's output goes")
    args = parser.parse_args()
    output: list[str] = [f"load average at start: {_load()}", ""]
    if not args.skip_summary:
        for count in args.tasks:
            output += bench_summary(count, args.users)
    if not args.skip_latency:
        output += ["### Assignment → email delivered", ""]
        output += bench_latency(args.duration, args.stack_log)
    output += ["", f"load average at the end: {_load()}"]
    print("\n".join(output))


def _load() -> str:
    """The box's load average (1, 5, 15 min): the benches assume nothing else runs."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
