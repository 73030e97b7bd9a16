"""A real Celery worker process on Redis: a worker killed mid-job neither loses the job nor
doubles its effect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis

from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from tasks_service.application.notifications.ports import NewNotification
from tasks_service.bootstrap import build_jobs_app
from tasks_service.domain.notifications import NotificationType
from tasks_service.entrypoints.jobs import DELIVER_NOTIFICATIONS

JOBS_DB = 13


@pytest.fixture
def worker_settings(tasks_settings, mail):
    return tasks_settings.model_copy(
        update={
            "jobs_broker_url": f"redis://127.0.0.1:6379/{JOBS_DB}",
            "jobs_key_prefix": f"test-{uuid.uuid4().hex[:8]}:",
            "smtp_host": mail.host,
            "smtp_port": mail.port,
        }
    )


@pytest.fixture
def worker(worker_settings, tmp_path) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKS_")}
    env.update(
        TASKS_DATABASE_URL=worker_settings.database_url,
        TASKS_JOBS_BROKER_URL=worker_settings.jobs_broker_url,
        TASKS_JOBS_KEY_PREFIX=worker_settings.jobs_key_prefix,
        TASKS_SMTP_HOST=worker_settings.smtp_host,
        TASKS_SMTP_PORT=str(worker_settings.smtp_port),
        TASKS_LOG_LEVEL="WARNING",
    )
    log = (tmp_path / "worker.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "tasks-service"), "jobs", "worker", "--concurrency=1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    redis = Redis(db=JOBS_DB)
    keys = list(redis.scan_iter(match=f"{worker_settings.jobs_key_prefix}*"))
    if keys:
        redis.delete(*keys)


def _pool_child(parent: int) -> int:
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True, check=False)
    children = [int(pid) for pid in out.stdout.split()]
    assert children, "the worker has no pool process"
    return children[0]


def test_a_worker_killed_while_sending_loses_nothing_and_sends_once(
    worker, worker_settings, tasks_runtime, make_user, mail: LocalSmtpServer, admin_engine
) -> None:
    bob = make_user()
    notification_id = uuid7()
    with tasks_runtime.unit_of_work() as uow:
        uow.notifications.add(
            [
                NewNotification(
                    id=notification_id,
                    recipient_id=bob.id,
                    recipient_email=f"{bob.username}@example.org",
                    task_id=uuid7(),
                    kind=NotificationType.TASK_ASSIGNED,
                    occasion=str(uuid7()),
                    context={
                        "title": "Survive a crash",
                        "status": "todo",
                        "priority": "high",
                        "actor_name": "Ann",
                        "recipient_name": bob.username,
                    },
                    created_at=datetime.now(UTC),
                )
            ]
        )
        uow.commit()

    sending, killed = threading.Event(), threading.Event()

    def stall_the_first_delivery() -> str | None:
        if killed.is_set():
            return None
        sending.set()
        killed.wait(30)
        return "451 4.4.1 sender went away"  # the dead worker never saw an acceptance

    mail.before_accept = stall_the_first_delivery
    producer = build_jobs_app(worker_settings)
    producer.tasks[DELIVER_NOTIFICATIONS].apply_async(
        kwargs={"notification_ids": [str(notification_id)]}
    )
    assert sending.wait(30), "the worker never started the job"
    os.kill(_pool_child(worker.pid), signal.SIGKILL)
    killed.set()

    deadline = time.monotonic() + 30
    while not mail.messages_to(f"{bob.username}@example.org") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    [email] = mail.messages_to(f"{bob.username}@example.org")
    assert "Survive a crash" in email["Subject"]
    with admin_engine.connect() as connection:
        status, attempts = connection.execute(
            sa.text("SELECT status, attempts FROM tasks.notifications WHERE id = :id"),
            {"id": notification_id},
        ).one()
    assert status == "sent"
    assert attempts == 1  # the killed attempt's transaction never committed
    assert worker.poll() is None  # the worker itself replaced its pool process
