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
    port: int = 18480, port_offset: int = 10400, **settings: str
) -> Iterator[BenchStack]:
    """Everything is stopped and dropped afterwards."""
    from taskhive_shared.db.provisioning import drop_database

    name = f"taskhive_bench_{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "TASKHIVE_DATABASE_NAME": name,
        "TASKHIVE_AMQP_VHOST": name,
        "TASKHIVE_GATEWAY_PORT": str(port),
        "TASKHIVE_PORT_BASE": str(port_offset),
        "GATEWAY_AUTH_RATE_LIMIT": "1000000",
        "GATEWAY_RATE_LIMIT": "1000000",
        "AUTH_LOG_LEVEL": "WARNING",
        "USERS_LOG_LEVEL": "WARNING",
        **settings,
    }
    process = subprocess.Popen(
        [str(BIN / "taskhive-stack")],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/gateway/readyz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None:
                raise SystemExit("taskhive-stack exited early; run it by hand to see why")
            if time.monotonic() > deadline:
                raise SystemExit("the stack did not come up within 120 s")
            time.sleep(0.5)
        yield BenchStack(base, name)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
        drop_database(ADMIN_URL, name)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], check=False, timeout=60)
