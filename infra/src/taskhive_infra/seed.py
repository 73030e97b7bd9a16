"""`taskhive-seed`: demo data on a first start (documented in the README), idempotent.

Run by the embedded mode at start, by the compose `seed` step, and by hand after `make migrate`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from auth_service.bootstrap import register_account
from tasks_service.bootstrap import create_task_as

if TYPE_CHECKING:
    from auth_service.bootstrap import AuthRuntime
    from tasks_service.bootstrap import TasksRuntime

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "taskhive-demo-2026"
DEMO_ACCOUNTS = (
    ("admin", "admin@taskhive.local", "Ada", "Admin", "admin"),
    ("manager", "manager@taskhive.local", "Max", "Manager", "manager"),
    ("alice", "alice@taskhive.local", "Alice", "Member", "member"),
    ("bob", "bob@taskhive.local", "Bob", "Member", "member"),
)


def seed_demo_accounts(auth: AuthRuntime) -> int:
    """Register the demo accounts that do not exist yet; returns how many were created."""
    created = 0
    for username, email, first_name, last_name, role in DEMO_ACCOUNTS:
        if register_account(
            auth,
            email=email,
            username=username,
            password=DEMO_PASSWORD,
            first_name=first_name,
            last_name=last_name,
            role=role,
        ):
            created += 1
    if created:
        logger.info("seeded demo accounts", extra={"accounts_created": created})
    return created


def main() -> None:
    """Seed the database named by the services' settings (AUTH_DATABASE_URL …)."""
    from auth_service.bootstrap import build_runtime
    from auth_service.config import AuthSettings
    from taskhive_shared.logging import configure_logging
    from tasks_service.bootstrap import build_offline_runtime
    from tasks_service.config import TasksSettings

    configure_logging("seed", os.environ.get("TASKHIVE_LOG_LEVEL", "INFO"))
    runtime = build_runtime(AuthSettings())  # type: ignore[call-arg]
    created = seed_demo_accounts(runtime)
    runtime.engine.dispose()
    print(f"taskhive: {created} demo account(s) created")
    tasks = build_offline_runtime(TasksSettings())  # type: ignore[call-arg]
    try:
        print(f"taskhive: {seed_demo_tasks(tasks)} demo task(s) created")
    except SeedError as exc:
        print(f"taskhive: seeding failed: {exc}", file=sys.stderr)
        sys.exit(1)
    finally:
        tasks.dispose()


DEMO_TASKS: tuple[tuple[str, str, dict[str, Any], tuple[str, ...]], ...] = (
    ("alice", "Prepare the release notes", {"priority": "high", "tags": ("release",)}, ("bob",)),
    ("alice", "Review the onboarding guide", {"priority": "medium", "tags": ("docs",)}, ()),
    ("bob", "Fix the login page layout on mobile", {"priority": "urgent", "tags": ("bug",)}, ()),
    ("bob", "Write the quarterly report", {"priority": "low", "tags": ("report",)}, ("alice",)),
    (
        "manager",
        "Plan the team offsite",
        {"priority": "medium", "tags": ("team",)},
        ("alice", "bob"),
    ),
    ("manager", "Check the database backups", {"priority": "high", "tags": ("ops",)}, ()),
)


class SeedError(Exception):
    """The demo data could not be created; the message says why."""


def seed_demo_tasks(tasks: TasksRuntime, *, wait_seconds: float = 60.0) -> int:
    """Demo tasks, once (only while there are none). The demo users must first reach the tasks
    replica through the events, so this waits for them (bounded)."""
    usernames = sorted({name for name, *_ in DEMO_TASKS} | {n for *_, a in DEMO_TASKS for n in a})
    deadline = time.monotonic() + wait_seconds
    while True:
        with tasks.engine.connect() as connection:
            ids: dict[str, Any] = dict(
                connection.execute(
                    sa.text(
                        "SELECT username, id FROM tasks.replica_users WHERE username = ANY(:u)"
                    ),
                    {"u": usernames},
                ).all()
            )
            existing = connection.execute(sa.text("SELECT count(*) FROM tasks.tasks")).scalar_one()
        if existing:
            return 0
        if len(ids) == len(usernames):
            break
        if time.monotonic() > deadline:
            # Loudly: a platform whose events do not reach the tasks consumer is broken, and
            # an empty demo would hide it (compose's seed step then exits non-zero).
            missing = sorted(set(usernames) - set(ids))
            raise SeedError(
                f"demo users {missing} did not reach the tasks replica within {wait_seconds:.0f}s:"
                " are the auth relay, the users relay and consumer, the tasks consumer running?"
            )
        time.sleep(0.2)
    for creator, title, values, assignees in DEMO_TASKS:
        create_task_as(
            tasks,
            str(ids[creator]),
            title,
            **values,
            assignee_ids=tuple(str(ids[name]) for name in assignees),
        )
    logger.info("seeded demo tasks", extra={"tasks_created": len(DEMO_TASKS)})
    return len(DEMO_TASKS)
