"""The analytics consumer's cost per event, in-process, without a stack (issue 14).

A throwaway database with the analytics schema (migrations as in production); the event
processor the RabbitMQ consumer runs (`build_event_processor`: JSON envelope, contract
validation, inbox row, projection, commit), fed envelopes as bytes, one at a time, as
`PikaEventConsumer` hands them over. The events are the tasks service's, for 200 users and 20
teams: `--mix create` is the latency bench's write load (only `tasks.task.created.v1`);
`--mix life` interleaves whole task lives (created, assigned, updated, in progress, done).
`--warm` events go in first (a non-empty model), then `--events` are timed: events/s, SQL
statements per event. `--profile FILE` writes a cProfile of the timed part. `--batch N` applies
the timed events N per transaction (`process_batch`, ADR 0030), as the consumer takes them
from a backlog.
Run: `.venv/bin/python -m bench.analytics_consumer_bench [--mix create|life] [--events 2000]
[--batch 20]`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
USERS, TEAMS = 200, 20
STATUSES = ("in_progress", "in_review", "done")
PREFERENCES = (
    "task_assigned",
    "task_unassigned",
    "task_status_changed",
    "task_commented",
    "task_created",
    "task_overdue",
    "task_due_soon",
    "daily_summary",
)


class TaskLife:
    """One task's events as tasks publishes them (summary after the change, version, time)."""

    def __init__(self, rng: random.Random, people: list[uuid.UUID], team: uuid.UUID) -> None:
        self.version = 0
        self.at = datetime.now(UTC) - timedelta(hours=rng.randint(0, 240))
        due = self.at + timedelta(days=rng.randint(1, 20)) if rng.random() < 0.4 else None
        self.state: dict[str, Any] = {
            "task_id": str(uuid.uuid4()),
            "title": "A task",
            "status": "todo",
            "priority": rng.choice(("low", "medium", "high", "urgent")),
            "due_date": due.isoformat() if due else None,
            "story_points": rng.choice((None, 1, 2, 3, 5, 8)),
            "team_id": str(team) if rng.random() < 0.7 else None,
            "parent_task_id": None,
            "created_by": str(rng.choice(people)),
            "assignee_ids": [],
            "tags": rng.sample(["bug", "ui", "api", "docs", "ops"], rng.randint(0, 2)),
            "is_archived": False,
            "is_overdue": False,
        }
        self.rng = rng
        self.people = people

    def _envelope(self, event_type: str, **extra: Any) -> bytes:
        from taskhive_shared.events.envelope import EventEnvelope

        self.version += 1
        self.at += timedelta(minutes=self.rng.randint(1, 600))
        data = self.state | {
            "version": self.version,
            "actor_id": self.state["created_by"],
            "occurred_at": self.at.isoformat(),
        }
        envelope = EventEnvelope(
            type=event_type, source="tasks", subject=self.state["task_id"], data=data | extra
        )
        return json.dumps(envelope.to_dict()).encode()

    def created(self) -> bytes:
        return self._envelope("tasks.task.created.v1")

    def assigned(self) -> bytes:
        person = str(self.rng.choice(self.people))
        self.state["assignee_ids"] = sorted({*self.state["assignee_ids"], person})
        return self._envelope("tasks.task.assigned.v1", user_ids=[person])

    def updated(self) -> bytes:
        self.state["priority"] = self.rng.choice(("low", "medium", "high", "urgent"))
        changes = {"priority": {"old": None, "new": self.state["priority"]}}
        return self._envelope("tasks.task.updated.v1", changes=changes)

    def steps(self) -> Iterator[bytes]:
        yield self.created()
        yield self.assigned()
        yield self.updated()
        for status in STATUSES:
            yield self.moved(status)

    def moved(self, status: str) -> bytes:
        old, self.state["status"] = self.state["status"], status
        return self._envelope("tasks.task.status_changed.v1", old_status=old, new_status=status)


def event_stream(mix: str, seed: int = 14) -> Iterator[bytes]:
    """Endless: `create` only creates; `life` keeps ~50 tasks in flight, each living through
    created, assigned, updated, in_progress, in_review, done in order (5 of 6 steps are not
    creations, as on a board that is worked on)."""
    rng = random.Random(seed)
    people = [uuid.UUID(int=(7 << 76) | n) for n in range(USERS)]
    teams = [uuid.UUID(int=(9 << 76) | n) for n in range(TEAMS)]
    if mix == "create":
        while True:
            yield TaskLife(rng, people, rng.choice(teams)).created()
    in_flight: list[tuple[TaskLife, Iterator[bytes]]] = []
    while True:
        if len(in_flight) < 50:
            life = TaskLife(rng, people, rng.choice(teams))
            in_flight.append((life, life.steps()))
        index = rng.randrange(len(in_flight))
        body = next(in_flight[index][1], None)
        if body is None:
            in_flight.pop(index)
            continue
        yield body


def user_events() -> Iterator[bytes]:
    from taskhive_shared.events.envelope import EventEnvelope

    now = datetime.now(UTC).isoformat()
    for n in range(USERS):
        user_id = uuid.UUID(int=(7 << 76) | n)
        data = {
            "user_id": str(user_id),
            "username": f"u{n}",
            "email": f"u{n}@example.org",
            "first_name": "",
            "last_name": "",
            "display_name": f"u{n}",
            "role": "member",
            "is_active": True,
            "timezone": "Europe/Paris",
            "team_ids": [],
            "notification_preferences": dict.fromkeys(PREFERENCES, True),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        envelope = EventEnvelope(
            type="users.user.created.v1", source="users", subject=str(user_id), data=data
        )
        yield json.dumps(envelope.to_dict()).encode()


def run(mix: str, warm: int, events: int, profile: str | None, batch: int = 1) -> None:
    import sqlalchemy as sa

    from analytics_service.bootstrap import build_event_processor, build_offline_runtime, migrate
    from analytics_service.config import AnalyticsSettings
    from taskhive_infra.provision import provision
    from taskhive_shared.db.provisioning import drop_database
    from taskhive_shared.events.consumer import Outcome

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
        runtime = build_offline_runtime(settings)
        processor = build_event_processor(runtime)
        statements = [0]
        sa.event.listen(
            runtime.engine,
            "before_cursor_execute",
            lambda *_: statements.__setitem__(0, statements[0] + 1),
        )

        def feed(bodies: Iterator[bytes], count: int, size: int = 1) -> None:
            taken = [body for _, body in zip(range(count), bodies, strict=False)]
            for start in range(0, len(taken), size):
                for result in processor.process_batch(taken[start : start + size]):
                    assert result.outcome is Outcome.APPLIED, result.reason

        feed(user_events(), USERS)
        stream = event_stream(mix)
        feed(stream, warm)
        print(f"load average before: {os.getloadavg()}")
        statements[0] = 0
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        cpu = time.process_time()
        if profiler:
            profiler.enable()
        feed(stream, events, batch)
        if profiler and profile:
            profiler.disable()
            profiler.dump_stats(profile)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu
        print(f"load average after: {os.getloadavg()}")
        print(
            f"mix={mix} warm={warm} events={events} batch={batch}: "
            f"{events / seconds:,.0f} events/s, "
            f"{seconds / events * 1000:.2f} ms/event (consumer CPU "
            f"{cpu_seconds / events * 1000:.2f} ms/event), "
            f"{statements[0] / events:.1f} SQL statements/event"
        )
        runtime.engine.dispose()
    finally:
        drop_database(ADMIN_URL, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mix", choices=("create", "life"), default="create")
    parser.add_argument("--warm", type=int, default=2000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--profile", help="write a cProfile of the timed events here")
    parser.add_argument(
        "--batch",
        type=int,
        default=1,
        help="messages per transaction, as the consumer takes them from a backlog (ADR 0030)",
    )
    args = parser.parse_args()
    run(args.mix, args.warm, args.events, args.profile, args.batch)


if __name__ == "__main__":
    main()
