"""The real gateway (HAProxy with gateway/haproxy.cfg) in front of real gunicorns, started with
the flags `make stack` gives them, serving a stand-in app built on the services' shared app
factory (stub_app.py). No database or broker: these tests are about what reaches the client."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from taskhive_infra.services import SERVICES, WEB, ServiceSpec
from taskhive_infra.stack import StackConfig, app_server_argv, haproxy_binary
from tests.e2e.processes import children

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
SLOW_SECONDS = 2.0
"""How long the stubs' /slow endpoint takes: the window in which a worker is killed."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_for(url: str, expected: int = 200, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=2).status_code == expected:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer {expected} within {timeout:.0f}s")
        time.sleep(0.1)


@dataclass
class Upstream:
    """One stub service under gunicorn, exactly as `make stack` runs a service's API."""

    name: str
    prefix: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        config = dataclasses.replace(StackConfig.from_env({}), workers=2)
        spec = ServiceSpec(
            name=self.name,
            port=self.port,
            wsgi="tests.gateway.stub_app:create()",
            migrate=lambda: None,
            cli="",
        )
        env = dict(
            os.environ,
            PYTHONPATH=str(ROOT),
            STUB_PREFIX=self.prefix,
            STUB_SLOW_SECONDS=str(SLOW_SECONDS),
        )
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                app_server_argv(config, spec, self.port),
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_for(f"http://127.0.0.1:{self.port}/readyz")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def workers(self) -> list[int]:
        assert self.process is not None
        return [proc.pid for proc in children(self.process.pid)]

    def kill_workers(self) -> None:
        for pid in self.workers():
            os.kill(pid, signal.SIGKILL)


@dataclass
class Gateway:
    base_url: str
    tasks: Upstream
    """Behind /api/v1/tasks/ (be_tasks): the one the tests stop and kill."""
    users: Upstream
    """Behind /api/v1/users/ and every other backend: stays up."""
    log: Path
    """HAProxy's output: its access log lines (JSON)."""

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def address(self) -> tuple[str, int]:
        host, _, port = self.base_url.removeprefix("http://").partition(":")
        return host, int(port)


BACKENDS = (*(service.name for service in SERVICES), WEB.name)


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    yield from run_gateway(tmp_path_factory, {})


def run_gateway(
    tmp_path_factory: pytest.TempPathFactory, extra_env: dict[str, str]
) -> Iterator[Gateway]:
    """HAProxy with the stubs behind it; `extra_env` sets gateway variables (limits, keys)."""
    logs = tmp_path_factory.mktemp("gateway")
    tasks = Upstream("tasks", "/api/v1/tasks", free_port(), logs / "tasks.log")
    users = Upstream("users", "/api/v1/users", free_port(), logs / "users.log")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")},
        "GATEWAY_BIND_ADDRESS": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "GATEWAY_INTERNAL_PORT": str(free_port()),
        "GATEWAY_STATS_PORT": str(free_port()),
        # Every backend the gateway knows (the registry's services and the web UI) reaches the
        # users stub, but for tasks: each must have a live server for /gateway/readyz.
        **{f"{name.upper()}_UPSTREAM": f"127.0.0.1:{users.port}" for name in BACKENDS},
        "TASKS_UPSTREAM": f"127.0.0.1:{tasks.port}",
        **extra_env,
    }
    haproxy: subprocess.Popen[bytes] | None = None
    try:
        tasks.start()
        users.start()
        with (logs / "haproxy.log").open("wb") as log:
            haproxy = subprocess.Popen(
                [haproxy_binary(), "-W", "-db", "-f", str(ROOT / "gateway/haproxy.cfg")],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        wait_for(f"{base_url}/gateway/readyz")
        yield Gateway(base_url, tasks, users, logs / "haproxy.log")
    finally:
        if haproxy is not None:
            haproxy.terminate()
            haproxy.wait(timeout=10)
        tasks.stop()
        users.stop()
