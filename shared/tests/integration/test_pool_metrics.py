"""Every pool of `create_db_engine` shows in /metrics: its size, connections lent out,
overflow, open connections, checkout time and timeouts. Scraped and parsed from the probe
listener of the non-HTTP processes (in-process values) and from a real app under gunicorn in
multiprocess mode (values added up over the live workers, a killed worker's no longer)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from taskhive_shared.db.engine import create_db_engine
from taskhive_shared.observability.probe import ProbeServer
from tests.e2e.processes import children
from tests.gateway.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]
GUNICORN = ROOT / ".venv/bin/gunicorn"
Samples = dict[tuple[str, str], float]


def pool_samples(text: str) -> Samples:
    """(sample name, pool) → value of the pool families of a scrape."""
    return {
        (sample.name, sample.labels["pool"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.name.startswith(("taskhive_db_pool", "taskhive_db_connections"))
        for sample in family.samples
        if "pool" in sample.labels and "le" not in sample.labels
    }


def wait_until(
    scrape: Callable[[], Samples], condition: Callable[[Samples], bool], timeout: float = 15.0
) -> Samples:
    """The first scrape that meets `condition` (processes and requests take a moment to start);
    the test fails with the last scrape otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape()
        if condition(samples):
            return samples
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout:.0f}s: {samples}")
        time.sleep(0.1)


def test_the_probe_listener_serves_the_pool_of_its_process(test_database: Any) -> None:
    engine = create_db_engine(
        test_database.url(), pool_size=2, max_overflow=1, pool_timeout=0.2, pool_name="probed"
    )
    server = ProbeServer(0, {}, host="127.0.0.1").start()

    def scrape() -> dict[str, float]:
        response = requests.get(f"http://127.0.0.1:{server.port}/metrics", timeout=5)
        assert response.status_code == 200
        samples = pool_samples(response.text)
        return {name: value for (name, pool), value in samples.items() if pool == "probed"}

    try:
        assert scrape()["taskhive_db_pool_size"] == 2
        assert scrape()["taskhive_db_connections_open"] == 0
        with ExitStack() as held:
            for _ in range(3):
                held.enter_context(engine.connect()).execute(sa.text("SELECT 1"))
            busy = scrape()
            assert busy["taskhive_db_pool_checked_out"] == 3
            assert busy["taskhive_db_pool_overflow"] == 1
            assert busy["taskhive_db_connections_open"] == 3
            with pytest.raises(sa.exc.TimeoutError):
                engine.connect()
        idle = scrape()
        assert idle["taskhive_db_pool_checked_out"] == 0
        assert idle["taskhive_db_pool_overflow"] == 0
        assert idle["taskhive_db_connections_open"] == 2  # the overflow one closed on return
        assert idle["taskhive_db_pool_timeouts_total"] == 1
        assert idle["taskhive_db_pool_checkout_seconds_count"] == 4
        engine.dispose()
        disposed = scrape()
        assert disposed["taskhive_db_pool_size"] == 2  # the recreated pool, not both
        assert disposed["taskhive_db_connections_open"] == 0
    finally:
        server.stop()
        engine.dispose()


@pytest.fixture
def pool_app(test_database: Any, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The app under gunicorn as `make stack` runs an API: two workers, the shared gunicorn
    settings, one multiprocess metrics directory (threads, so that a scrape gets through
    while requests hold connections)."""
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(ROOT),
        POOL_TEST_DATABASE_URL=test_database.url(),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    argv = [str(GUNICORN), "--workers", "2", "--worker-class", "gthread", "--threads", "4"]
    argv += ["--no-control-socket", "-c", "python:taskhive_shared.observability.gunicorn_config"]
    argv += ["--bind", f"127.0.0.1:{port}", "shared.tests.integration.pool_app:create()"]
    with (tmp_path / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_a_gunicorn_app_adds_up_the_pools_of_its_live_workers(
    pool_app: tuple[str, subprocess.Popen[bytes]],
) -> None:
    base, process = pool_app

    def scrape() -> Samples:
        try:
            response = requests.get(f"{base}/metrics", timeout=5)
        except requests.ConnectionError:
            return {}
        return pool_samples(response.text)

    def value(name: str) -> Callable[[Samples], float]:
        return lambda samples: samples.get((name, "pooltest"), -1.0)

    size, lent = value("taskhive_db_pool_size"), value("taskhive_db_pool_checked_out")
    wait_until(scrape, lambda s: size(s) == 4)  # two workers, a pool of two each

    # CPU and memory are the whole target's: the master and its two workers.
    families = {
        family.name: family.samples[0].value
        for family in text_string_to_metric_families(
            requests.get(f"{base}/metrics", timeout=5).text
        )
        if family.name.startswith(("process_", "taskhive_processes"))
    }
    assert families["taskhive_processes"] == 3
    assert families["process_cpu_seconds"] > 0
    assert families["process_resident_memory_bytes"] > 3 * 10_000_000  # three Pythons

    holds = [
        threading.Thread(
            target=requests.get, args=(f"{base}/api/v1/pooltest/hold?seconds=4",), daemon=True
        )
        for _ in range(3)
    ]
    for hold in holds:
        hold.start()
    busy = wait_until(scrape, lambda s: lent(s) == 3)
    assert value("taskhive_db_connections_open")(busy) >= 3
    for hold in holds:
        hold.join(timeout=10)
    idle = wait_until(scrape, lambda s: lent(s) == 0)
    assert value("taskhive_db_pool_overflow")(idle) == 0
    assert value("taskhive_db_connections_open")(idle) <= 4
    assert value("taskhive_db_pool_checkout_seconds_count")(idle) >= 3

    # A killed worker stops counting; its replacement counts its own pool.
    # (gunicorn marks the dead worker before it forks the replacement: counting the dead
    # one would read 6 once the replacement has its pool.)
    before = {child.pid for child in children(process.pid)}
    os.kill(min(before), signal.SIGKILL)
    deadline = time.monotonic() + 15
    while not {child.pid for child in children(process.pid)} - before:
        assert time.monotonic() < deadline, "gunicorn started no replacement worker"
        time.sleep(0.05)
    wait_until(scrape, lambda s: size(s) == 4)  # the replacement built its pool
    time.sleep(1.0)
    assert size(scrape()) == 4
