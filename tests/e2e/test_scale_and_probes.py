"""The stack scaled out (`TASKHIVE_SCALE`): every process answers its probes and serves metrics;
a killed API replica costs no request beyond the one in flight; two consumers share a queue
without doubling an effect (ADR 0025).

Correctness only, never speed: the load is a few sequential clients, so that the test holds on
a busy two-core machine.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from taskhive_infra.services import SERVICES, WEB
from taskhive_infra.stack import StackConfig, probe_ports, process_types
from tests.e2e.conftest import STACK_SCALE, Stack
from tests.e2e.journeys import bearer, register, wait_for_profile
from tests.e2e.processes import child_running, wait_for_child

READY_TIMEOUT = 120.0
"""Generous waits: on a two-core machine shared with other test runs (load averages of 30 were
seen) a process takes tens of seconds to start; the assertions are about correctness only."""


@pytest.fixture
def scaled(stack: Stack) -> Stack:
    """The session's stack, started with TASKHIVE_SCALE (conftest.STACK_SCALE)."""
    assert stack.env["TASKHIVE_SCALE"] == STACK_SCALE
    return stack


def _config(stack: Stack) -> StackConfig:
    return StackConfig.from_env(stack.env)


def _families(text: str) -> dict[str, set[tuple[tuple[str, str], ...]]]:
    """Metric family → the label sets of its samples (the parser refuses a malformed page)."""
    return {
        family.name: {tuple(sorted(sample.labels.items())) for sample in family.samples}
        for family in text_string_to_metric_families(text)
    }


def _wait_ready(url: str) -> requests.Response:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200 or time.monotonic() > deadline:
                return response
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


EXPECTED_FAMILY = {
    "relay": "taskhive_outbox_backlog",
    "worker": "taskhive_jobs_queue_depth",
    "beat": "taskhive_beat_leader",
    # A consumer counts what it handled: users' consumer handled the registration below.
    "users-consume": "taskhive_events_handled",
}


def test_every_process_type_has_probes_and_metrics(scaled: Stack) -> None:
    config = _config(scaled)
    probes = probe_ports(config)
    # Every non-HTTP process type of the registry, each replica, has its listener.
    expected = {
        replica
        for process_type in process_types()
        if not process_type.endswith("-api") and process_type != "web"
        for replica in config.replicas(process_type)
    }
    assert set(probes) == expected
    assert {"tasks-consume", "tasks-consume-2", "tasks-relay", "tasks-beat"} <= expected
    client = scaled.client()
    account = register(client)
    assert wait_for_profile(client, account["access_token"]).status_code == 200
    for name, port in probes.items():
        base = f"http://127.0.0.1:{port}"
        assert requests.get(f"{base}/livez", timeout=5).status_code == 200, name
        ready = _wait_ready(f"{base}/readyz")
        assert ready.status_code == 200, f"{name}: {ready.text}"
        assert ready.json()["status"] == "ok"
        metrics = requests.get(f"{base}/metrics", timeout=5)
        assert metrics.status_code == 200
        families = _families(metrics.text)
        family = EXPECTED_FAMILY.get(name) or EXPECTED_FAMILY.get(name.split("-")[1])
        if family is not None:
            assert family in families, f"{name}: {sorted(families)}"
        # Every process: its CPU and memory; every relay: its database pool.
        assert {"process_cpu_seconds", "process_resident_memory_bytes"} <= set(families), name
        if name.split("-")[1] == "relay":
            assert "taskhive_db_connections_open" in families, f"{name}: {sorted(families)}"


def test_the_apis_serve_red_metrics_per_route(scaled: Stack) -> None:
    config = _config(scaled)
    client = scaled.client()
    account = register(client)
    port = config.port(next(spec for spec in SERVICES if spec.name == "auth"))
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    families = _families(text)
    routes = {dict(labels).get("route") for labels in families["taskhive_http_requests"]}
    assert "/api/v1/auth/register" in routes
    assert account["access_token"]
    assert (("pool", "auth_app"),) in families["taskhive_db_pool_size"]
    assert families["taskhive_processes"]  # the gunicorn master and its workers

    # The web UI too (its pages, by route template); never through the gateway.
    assert client.get("/login").status_code == 200
    web = _families(requests.get(f"http://127.0.0.1:{config.port(WEB)}/metrics", timeout=5).text)
    pages = {dict(labels).get("route") for labels in web["taskhive_http_requests"]}
    assert "/login" in pages
    assert client.get("/metrics").status_code == 404


def test_a_killed_api_replica_fails_no_request_beyond_those_in_flight(scaled: Stack) -> None:
    client = scaled.client()
    account = register(client)
    token = account["access_token"]
    assert wait_for_profile(client, token).status_code == 200
    created = client.post("/api/v1/tasks/", json={"title": "Survivor"}, headers=bearer(token))
    assert created.status_code == 201, created.text
    stop = threading.Event()
    results: list[list[int]] = [[], []]

    def load(outcomes: list[int]) -> None:
        session = scaled.client()
        while not stop.is_set():
            try:
                response = session.get("/api/v1/tasks/", headers=bearer(token), timeout=60)
                outcomes.append(response.status_code)
            except requests.RequestException:
                outcomes.append(0)
            time.sleep(0.05)

    threads = [threading.Thread(target=load, args=(outcome,)) for outcome in results]
    for thread in threads:
        thread.start()
    try:
        time.sleep(2)
        victim = child_running(scaled.runner_pid, "gunicorn", "tasks-api")
        assert victim is not None
        os.killpg(victim.pid, signal.SIGKILL)  # the replica's master and its workers at once
        time.sleep(3)
        # The runner restarts it; the load goes on meanwhile.
        wait_for_child(
            scaled.runner_pid, "gunicorn", "tasks-api", other_than=victim.pid, timeout=READY_TIMEOUT
        )
        time.sleep(1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    statuses = [status for outcome in results for status in outcome]
    failed = [status for status in statuses if status != 200]
    assert len(statuses) > 20
    # At most one request per client was in flight when the replica died.
    assert len(failed) <= len(results), failed


def test_two_consumers_share_a_queue_without_doubling_an_effect(scaled: Stack) -> None:
    client = scaled.client()
    owner, colleague = register(client), register(client)
    for account in (owner, colleague):
        assert wait_for_profile(client, account["access_token"]).status_code == 200
    titles = [f"Shared queue {n}" for n in range(8)]
    for title in titles:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:  # the colleague reaches the tasks replica through users' events
            created = client.post(
                "/api/v1/tasks/",
                json={"title": title, "assignee_ids": [colleague["user"]["id"]]},
                headers=bearer(owner["access_token"]),
            )
            if created.status_code != 422 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert created.status_code == 201, created.text
    assert scaled.mail is not None
    address = colleague["email"]

    def subjects() -> list[str]:
        assert scaled.mail is not None
        return [
            str(message["Subject"])
            for message in scaled.mail.messages_to(address)
            if "Shared queue" in str(message["Subject"])
        ]

    deadline = time.monotonic() + READY_TIMEOUT
    while len(subjects()) < len(titles) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # a doubled effect would arrive within this
    received = subjects()
    assert len(received) == len(titles), received
    assert all(sum(title in subject for subject in received) == 1 for title in titles)
