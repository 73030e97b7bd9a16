"""The running stack for black-box journeys: `taskhive-stack` exactly as `make stack` starts it,
on a throwaway database and free ports, reached only through the gateway."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import HTTPAdapter

from taskhive_shared.mail.local_server import LocalSmtpServer

ADMIN_URL = os.environ.get(
    "TASKHIVE_TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TASKHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
AUTH_RATE_LIMIT = 5
# A busy machine (two cores shared with other test runs) starts the stack's forty-odd
# processes (eight services) slowly: a generous wait (a healthy stack answers far sooner; the
# wait ends as soon as it does), and it can be raised.
START_TIMEOUT = float(os.environ.get("TASKHIVE_TEST_START_TIMEOUT", "600"))
STOP_TIMEOUT = 30.0
# Each client gets its own loopback source address, so per-IP rate limits never leak across tests.
_client_addresses = (f"127.0.0.{n}" for n in itertools.count(2))


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _free_port_offset() -> int:
    from taskhive_infra.services import SERVICES, WEB
    from taskhive_infra.stack import INTERNAL_PORT, PROBE_PORT_BASE, STATS_PORT

    ports = [service.port for service in SERVICES] + [WEB.port, STATS_PORT, INTERNAL_PORT]
    ports += range(PROBE_PORT_BASE, PROBE_PORT_BASE + 32)  # the probes of relays, consumers …
    for _ in range(100):
        offset = random.randrange(20_000, 50_000, 100)
        if all(_port_free(port + offset) for port in ports):
            return offset
    raise RuntimeError("no free port range for a second stack")


class _SourceAddressAdapter(HTTPAdapter):
    def __init__(self, source_address: str) -> None:
        self._source_address = source_address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self._source_address, 0)
        super().init_poolmanager(*args, **kwargs)


class Client:
    """A user agent on its own address, speaking to the gateway by path."""

    def __init__(self, base_url: str, source_address: str) -> None:
        self.base_url = base_url
        self.source_address = source_address
        self.session = requests.Session()
        self.session.mount("http://", _SourceAddressAdapter(source_address))

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.session.request(method, self.base_url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)


@dataclass(frozen=True)
class Stack:
    base_url: str
    log_path: Path
    auth_rate_limit: int = AUTH_RATE_LIMIT
    mail: LocalSmtpServer | None = None
    """The SMTP server every process of this stack sends its email to (in this process)."""
    internal_url: str = ""
    """The gateway's internal listener, the web service's way in (never published)."""
    stats_url: str = ""
    """The gateway's operator listener (stats page, `;csv`)."""
    runner_pid: int = 0
    """`taskhive-stack` itself: its children are the stack's processes (tests/e2e/processes.py)."""
    database: str = ""
    vhost: str = ""
    env: dict[str, str] = field(default_factory=dict)
    """The runner's environment (service_env() derives every service's settings from it)."""

    def client(self) -> Client:
        return Client(self.base_url, next(_client_addresses))

    def internal_client(self) -> Client:
        return Client(self.internal_url, next(_client_addresses))

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _stack_env(database: str, vhost: str, gateway_port: int, port_offset: int) -> dict[str, str]:
    # A developer's own settings must not point the stack at another database or port.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTH_", "GATEWAY_", "TASKHIVE_"))
    }
    env.update(
        TASKHIVE_ADMIN_DATABASE_URL=ADMIN_URL,
        TASKHIVE_DATABASE_NAME=database,
        TASKHIVE_AMQP_VHOST=vhost,
        TASKHIVE_REDIS_URL=REDIS_URL,
        TASKHIVE_GATEWAY_PORT=str(gateway_port),
        TASKHIVE_PORT_BASE=str(port_offset),
        TASKHIVE_API_WORKERS="2",
        TASKHIVE_STARTUP_TIMEOUT=str(START_TIMEOUT),
        AUTH_ARGON2_MEMORY_KIB="1024",
        AUTH_ARGON2_TIME_COST="1",
        AUTH_ARGON2_PARALLELISM="1",
        GATEWAY_AUTH_RATE_LIMIT=str(AUTH_RATE_LIMIT),
    )
    return env


def _wait_for_gateway(process: subprocess.Popen[bytes], stack: Stack) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"taskhive-stack exited with {process.returncode}:\n{stack.log_tail()}")
        try:
            if requests.get(f"{stack.base_url}/gateway/readyz", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    pytest.fail(f"gateway not ready after {START_TIMEOUT:.0f}s:\n{stack.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM to the whole process group, as a terminal or an orchestrator would; then kill."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return -signal.SIGKILL
    except ProcessLookupError:
        return process.wait()


def _drop_job_keys(prefix: str) -> None:
    from redis import Redis

    from taskhive_infra.stack import JOBS_REDIS_DBS

    for db in JOBS_REDIS_DBS.values():
        redis = Redis(host="127.0.0.1", port=6379, db=db)
        keys = list(redis.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            redis.delete(*keys)
        redis.close()


STACK_SCALE = "tasks-api=2,tasks-consumer=2"
"""The journeys run against a scaled-out stack (ADR 0025): two tasks API replicas sharing their
port, two tasks consumers competing on the queue; every effect must still happen once."""


@pytest.fixture(scope="package")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack for every module of tests/e2e (a boot costs a minute on a busy machine),
    stopped when the package ends: two stacks of eight services at once would exhaust
    PostgreSQL's 100 connections (the faults and fuzz stacks come next)."""
    with running_stack(tmp_path_factory, {"TASKHIVE_SCALE": STACK_SCALE}) as running:
        yield running


@contextlib.contextmanager
def running_stack(
    tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    from taskhive_shared.db.provisioning import drop_database

    database = f"taskhive_e2e_{uuid.uuid4().hex[:10]}"
    vhost = database  # queues of its own: a developer's stack must not consume our events
    gateway_port = _free_port()
    log_path = tmp_path_factory.mktemp("stack") / "stack.log"
    from taskhive_infra.stack import INTERNAL_PORT, STATS_PORT

    port_offset = _free_port_offset()
    mail = LocalSmtpServer().start()
    stack = Stack(
        base_url=f"http://127.0.0.1:{gateway_port}",
        log_path=log_path,
        mail=mail,
        internal_url=f"http://127.0.0.1:{INTERNAL_PORT + port_offset}",
        stats_url=f"http://127.0.0.1:{STATS_PORT + port_offset}/stats",
        database=database,
        vhost=vhost,
    )
    env = _stack_env(database, vhost, gateway_port, port_offset)
    env.update(
        TASKHIVE_SMTP_HOST=mail.host,
        TASKHIVE_SMTP_PORT=str(mail.port),
        # Job queues of its own in the shared Redis databases.
        TASKHIVE_JOBS_KEY_PREFIX=f"{database}:",
    )
    env.update(extra_env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "taskhive-stack")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack = dataclasses.replace(stack, runner_pid=process.pid, env=env)
    try:
        _wait_for_gateway(process, stack)
        yield stack
    finally:
        code = _stop(process)
        mail.stop()
        _drop_job_keys(f"{database}:")
        drop_database(ADMIN_URL, database)
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", vhost], check=False, timeout=60)
    assert code == 0, f"taskhive-stack did not stop cleanly ({code}):\n{stack.log_tail()}"


@pytest.fixture
def client(stack: Stack) -> Client:
    return stack.client()
