"""A real `users-service jobs worker` process on Redis delivers welcome emails, retrying a 451."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis

from taskhive_shared.mail.local_server import LocalSmtpServer
from users_service.bootstrap import UsersRuntime, build_offline_runtime
from users_service.config import UsersSettings
from users_service.entrypoints.events import USER_REGISTERED, event_handlers

CLI = Path(sys.executable).with_name("users-service")


@pytest.fixture(scope="module")
def worker_settings(users_settings: UsersSettings, redis_url: str) -> UsersSettings:
    return users_settings.model_copy(
        update={
            "jobs_broker_url": redis_url,
            "jobs_key_prefix": f"test:{uuid.uuid4().hex}:",
            "welcome_email_retry_backoff_seconds": 1,
            "welcome_email_retry_backoff_max_seconds": 2,
        }
    )


@pytest.fixture(scope="module")
def worker(worker_settings: UsersSettings, tmp_path_factory) -> Iterator[Path]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = os.environ | {
        "USERS_DATABASE_URL": worker_settings.database_url,
        "USERS_JOBS_BROKER_URL": str(worker_settings.jobs_broker_url),
        "USERS_JOBS_KEY_PREFIX": worker_settings.jobs_key_prefix,
        "USERS_SMTP_HOST": worker_settings.smtp_host,
        "USERS_SMTP_PORT": str(worker_settings.smtp_port),
        "USERS_PUBLIC_BASE_URL": worker_settings.public_base_url,
        "USERS_WELCOME_EMAIL_RETRY_BACKOFF_SECONDS": "1",
        "USERS_WELCOME_EMAIL_RETRY_BACKOFF_MAX_SECONDS": "2",
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(CLI), "jobs", "worker", "--concurrency", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        redis = Redis.from_url(str(worker_settings.jobs_broker_url))
        keys = list(redis.scan_iter(match=f"{worker_settings.jobs_key_prefix}*"))
        if keys:
            redis.delete(*keys)
        redis.close()


@pytest.fixture(scope="module")
def enqueuing_runtime(worker_settings: UsersSettings) -> Iterator[UsersRuntime]:
    """This process's runtime with the worker's broker: enqueues, never runs a job."""
    runtime = build_offline_runtime(worker_settings)
    assert runtime.jobs_app.conf.task_always_eager is False
    yield runtime
    runtime.engine.dispose()


def _register(runtime: UsersRuntime, envelope) -> None:
    handler = event_handlers(runtime.services)[USER_REGISTERED]
    with runtime.unit_of_work() as uow:
        handler(envelope, uow)
        uow.commit()  # the welcome job is enqueued to Redis after this commit


def _wait_for(check: Callable[[], bool], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out; worker log:\n{log.read_text(errors='replace')[-4000:]}")


def test_the_worker_sends_one_welcome_email_per_registration(
    worker, enqueuing_runtime, new_registration, smtp: LocalSmtpServer
):
    envelope = new_registration(first_name="Grace")
    address = envelope.data["email"]

    _register(enqueuing_runtime, envelope)
    _register(enqueuing_runtime, new_registration(**envelope.data))  # a redelivered event

    _wait_for(lambda: len(smtp.messages_to(address)) >= 1, worker)
    time.sleep(1.0)  # room for a duplicate to show up
    [message] = smtp.messages_to(address)
    assert message["Subject"] == "Welcome to Taskhive, Grace"
    assert message.get_body(preferencelist=("html",)) is not None


def test_the_worker_retries_a_451_with_back_off_then_delivers(
    worker, enqueuing_runtime, new_registration, smtp: LocalSmtpServer
):
    envelope = new_registration()
    address = envelope.data["email"]
    refusals: list[float] = []

    def refuse_once() -> None:
        if not refusals:
            refusals.append(time.monotonic())
            smtp.reply = "451 4.3.0 try again later"
        else:
            smtp.reply = "250 OK"

    smtp.before_accept = refuse_once

    _register(enqueuing_runtime, envelope)

    _wait_for(lambda: len(smtp.messages_to(address)) >= 1, worker)
    assert len(refusals) == 1
    assert len(smtp.messages_to(address)) == 1
