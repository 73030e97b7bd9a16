"""`make run`: the single process with its embedded PostgreSQL serves the same journeys."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.e2e.conftest import Client
from tests.e2e.journeys import (
    PROBLEM,
    assert_problem,
    auth_journey,
    files_journey,
    profile_journey,
    sla_breach_journey,
    tasks_journey,
    time_journey,
)

START_TIMEOUT = 120.0
AUTH_RATE_LIMIT = 5


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`taskhive-embedded` exactly as `make run` starts it, on a fresh data directory."""
    data_dir = tmp_path_factory.mktemp("embedded")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTH_", "GATEWAY_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        TASKHIVE_DATA_DIR=str(data_dir),
        TASKHIVE_PORT=str(port),
        TASKHIVE_SMTP_PORT=str(_free_port()),
        GATEWAY_AUTH_RATE_LIMIT=str(AUTH_RATE_LIMIT),
        AUTH_ARGON2_MEMORY_KIB="1024",
        AUTH_ARGON2_TIME_COST="1",
    )
    log_path = data_dir / "embedded.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "taskhive-embedded")],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"taskhive-embedded exited:\n{log_path.read_text()[-4000:]}")
            try:
                if requests.get(f"{base_url}/api/v1/auth/jwks.json", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"not up after {START_TIMEOUT}s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
        yield base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        code = process.wait(timeout=60)
    assert code == 0, log_path.read_text()[-4000:]
    # The embedded PostgreSQL was stopped with the process (no postmaster left behind).
    assert not (data_dir / "pg" / "postmaster.pid").exists()


_addresses = (f"127.0.1.{n}" for n in itertools.count(1))


@pytest.fixture
def client(embedded: str) -> Client:
    # An address per test: the per-IP sign-in limit (5 here) must not leak across tests.
    return Client(embedded, next(_addresses))


def test_auth_journey(client: Client) -> None:
    auth_journey(client)


def test_registration_reaches_the_users_service(client: Client) -> None:
    profile_journey(client)


def test_a_task_journey_through_the_gateway(client: Client) -> None:
    journey = tasks_journey(client)
    # Jobs run in-process: the assignment was emailed through the embedded SMTP server.
    colleague = journey["colleague"]["email"]
    deadline = time.monotonic() + 20
    while True:
        mail = client.get("/dev/mail").json()
        assigned = [m for m in mail if m["to"] == colleague and "assigned you" in m["subject"]]
        if assigned or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(assigned) == 1, mail
    assert any(colleague in m["to"] and "Welcome" in m["subject"] for m in mail), mail


def test_a_task_breaches_its_sla_and_the_manager_is_emailed(client: Client) -> None:
    """The escalation job runs in-process as the beat runs it (`/dev/jobs`, and every 30 s)."""

    def run_escalation() -> None:
        ran = client.post("/dev/jobs/tasks/escalate_slas", json={})
        assert ran.status_code == 200, ran.text

    sla_breach_journey(client, run_escalation)


def test_export_and_import_jobs_in_process(client: Client) -> None:
    # Without a broker the jobs run in the request; files under the data directory.
    files_journey(client)


def test_time_is_tracked_from_the_workflow_and_rolls_up_to_the_task(client: Client) -> None:
    time_journey(client)


def test_a_developer_runs_a_job_by_hand(client: Client) -> None:
    listed = client.get("/dev/jobs").json()
    assert "check_overdue_tasks" in listed["tasks"]
    assert "purge_refresh_tokens" in listed["auth"]
    ran = client.post("/dev/jobs/tasks/check_overdue_tasks", json={})
    assert ran.status_code == 200, ran.text
    assert ran.json()["job"] == "tasks.check_overdue_tasks"
    assert isinstance(ran.json()["result"]["flagged"], int)
    assert client.post("/dev/jobs/tasks/no_such_job").status_code == 404
    cross_site = client.post(
        "/dev/jobs/tasks/check_overdue_tasks", json={}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross_site.status_code == 403
    rebound = client.post(
        "/dev/jobs/tasks/check_overdue_tasks", json={}, headers={"Host": "attacker.example"}
    )
    assert rebound.status_code == 403
    unknown_argument = client.post("/dev/jobs/tasks/check_overdue_tasks", json={"nope": 1})
    assert unknown_argument.status_code == 400


def test_demo_accounts_are_seeded(client: Client) -> None:
    response = client.post(
        "/api/auth/login/", json={"username": "admin", "password": "taskhive-demo-2026"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["role"] == "admin"


def test_demo_tasks_are_seeded(client: Client) -> None:
    login = client.post(
        "/api/v1/auth/login", json={"username": "alice", "password": "taskhive-demo-2026"}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    deadline = time.monotonic() + 30
    while True:
        listed = client.get("/api/v1/tasks/", headers=headers)
        assert listed.status_code == 200, listed.text
        titles = {item["title"] for item in listed.json()["items"]}
        if titles or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # alice sees what she created and what she was assigned, not bob's own tasks.
    assert "Prepare the release notes" in titles
    assert "Write the quarterly report" in titles
    assert "Fix the login page layout on mobile" not in titles


def test_gateway_policies_match_haproxy(client: Client, embedded: str) -> None:
    jwks = client.get("/.well-known/jwks.json")
    assert jwks.status_code == 200
    assert jwks.json()["keys"]
    assert jwks.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        client.get("/api/v1/auth/jwks.json", headers={"X-Request-ID": "rid-1"}).headers[
            "X-Request-ID"
        ]
        == "rid-1"
    )
    missing = client.get("/api/v1/nowhere")
    assert_problem(missing, 404)
    too_big = client.post(
        "/api/v1/auth/register", data=b"x" * 1_100_000, headers={"Content-Type": "application/json"}
    )
    assert_problem(too_big, 413)


def test_the_web_ui_is_served_in_process(client: Client) -> None:
    """`make run` serves the pages too: sign in as a demo user and see the seeded tasks."""
    login_page = client.get("/login")
    assert login_page.status_code == 200
    assert "script-src 'self'" in login_page.headers["Content-Security-Policy"]
    assert client.get("/static/app.css").status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text)
    assert token is not None
    signed_in = client.post(
        "/login",
        data={"username": "alice", "password": "taskhive-demo-2026", "csrf_token": token[1]},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text
    assert signed_in.headers["Location"].endswith("/tasks")
    deadline = time.monotonic() + 30
    while True:
        tasks = client.get("/tasks")
        assert tasks.status_code == 200
        if "Write the quarterly report" in tasks.text or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert "Write the quarterly report" in tasks.text
    assert "Fix the login page layout on mobile" not in tasks.text


def test_login_is_rate_limited(embedded: str) -> None:
    # An address of its own: the other tests' sign-ins must not have spent its budget.
    client = Client(embedded, "127.0.0.250")
    statuses = [
        client.post("/api/v1/auth/login", json={"username": "x", "password": "y"}).status_code
        for _ in range(AUTH_RATE_LIMIT + 1)
    ]
    assert statuses[:AUTH_RATE_LIMIT] == [401] * AUTH_RATE_LIMIT
    assert statuses[-1] == 429
    limited = client.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert limited.headers["Content-Type"].startswith(PROBLEM)
    assert int(limited.headers["Retry-After"]) > 0
