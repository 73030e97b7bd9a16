"""A throwaway `make stack` for benchmarks: own database, RabbitMQ vhost and ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class BenchStack:
    base_url: str
    database: str

    @property
    def database_url(self) -> str:
        """Superuser access to the stack's database (seeding, EXPLAIN)."""
        return f"postgresql://postgres@127.0.0.1:5432/{self.database}"


@contextmanager
def running_stack(
    port: int = 18480,
    port_offset: int = 10400,
    log_path: Path | None = None,
    boot_timeout: float = 300,
    **settings: str,
) -> Iterator[BenchStack]:
    """Everything is stopped and dropped afterwards; the stack's output goes to `log_path`.
    `boot_timeout`: how long the whole stack may take to come up (a loaded machine boots eight
    services slowly; pass `TASKHIVE_STARTUP_TIMEOUT` too, the runner's limit per step)."""
    from taskhive_shared.db.provisioning import drop_database

    name = f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "TASKHIVE_DATABASE_NAME": name,
        "TASKHIVE_AMQP_VHOST": name,
        "TASKHIVE_GATEWAY_PORT": str(port),
        "TASKHIVE_PORT_BASE": str(port_offset),
        "GATEWAY_AUTH_RATE_LIMIT": "1000000",
        "GATEWAY_RATE_LIMIT": "1000000",
        "GATEWAY_USER_READ_LIMIT": "1000000",
        "GATEWAY_USER_WRITE_LIMIT": "1000000",
        "GATEWAY_ANON_LIMIT": "1000000",
        "GATEWAY_KEY_IP_LIMIT": "1000000",
        "AUTH_LOG_LEVEL": "WARNING",
        "USERS_LOG_LEVEL": "WARNING",
        # Job queues of its own in the shared Redis databases (dropped afterwards).
        "TASKHIVE_JOBS_KEY_PREFIX": f"{name}:",
        **settings,
    }
    output: IO[bytes] | int = log_path.open("wb") if log_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            [str(BIN / "taskhive-stack")],
            cwd=ROOT,
            env=env,
            start_new_session=True,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    finally:
        if not isinstance(output, int):
            output.close()  # the stack holds its own descriptor
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + boot_timeout
        while True:
            try:
                if requests.get(f"{base}/gateway/readyz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None:
                where = f"see {log_path}" if log_path else "run it by hand to see why"
                raise SystemExit(f"taskhive-stack exited early; {where}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the stack did not come up within {boot_timeout:.0f} s")
            time.sleep(0.5)
        yield BenchStack(base, name)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        drop_database(ADMIN_URL, name)
        drop_job_keys(env["TASKHIVE_JOBS_KEY_PREFIX"])
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, timeout=60)


def drop_job_keys(prefix: str) -> None:
    """The Celery queues and bindings a stack left in Redis under its key prefix."""
    from redis import Redis

    from taskhive_infra.stack import JOBS_REDIS_DBS

    if not prefix:
        return
    for db in JOBS_REDIS_DBS.values():
        redis = Redis(host="127.0.0.1", port=6379, db=db)
        keys = list(redis.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
        redis.close()
