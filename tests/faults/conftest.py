"""The fault suite's stack (the e2e one: `taskhive-stack` on a throwaway database and vhost),
its database seen as the administrator, a team to write tasks for, and a bounded write load
through the gateway."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import psycopg
import pytest
import requests
from sqlalchemy.engine import make_url

from tests.e2e.conftest import ADMIN_URL, Client, Stack, running_stack
from tests.e2e.journeys import PROBLEM, bearer, register, wait_for_profile
from tests.e2e.processes import wait_for_child

STACK_PROCESSES = {
    "tasks-relay": ("tasks-service", "relay"),
    "tasks-consume": ("tasks-service", "consume"),
    "tasks-worker": ("tasks-service", "jobs", "worker"),
    "tasks-api": ("gunicorn", "tasks_service.bootstrap"),
}
"""The supervisor's name of each process → words of its command line."""


PER_CALLER_LIMITS_OFF = {
    name: "1000000"
    for name in ("GATEWAY_USER_READ_LIMIT", "GATEWAY_USER_WRITE_LIMIT", "GATEWAY_KEY_IP_LIMIT")
}
"""The write load creates tasks as one user far above a person's rate (ADR 0024): the faults
are the subject here, not the per-user limits (tests/gateway has those)."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory, PER_CALLER_LIMITS_OFF) as running:
        yield running


def until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f}s")
        time.sleep(interval)


@dataclass(frozen=True)
class Database:
    url: str

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def unpublished(self) -> int:
        return int(
            self.scalar(
                "SELECT (SELECT count(*) FROM auth.outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM users.outbox WHERE published_at IS NULL)"
                " + (SELECT count(*) FROM tasks.outbox WHERE published_at IS NULL)"
            )
        )


@pytest.fixture(scope="module")
def database(stack: Stack) -> Database:
    url = make_url(ADMIN_URL).set(database=stack.database, drivername="postgresql")
    return Database(url.render_as_string(hide_password=False))


@dataclass(frozen=True)
class Team:
    client: Client
    owner: dict[str, Any]
    colleague: dict[str, Any]
    mail: Any
    """The stack's mail catcher (a LocalSmtpServer in this process)."""

    @property
    def token(self) -> str:
        return str(self.owner["access_token"])

    @property
    def colleague_id(self) -> str:
        return str(self.colleague["user"]["id"])

    def create(self, title: str) -> requests.Response:
        return self.client.post(
            "/api/v1/tasks/", json={"title": title, "priority": "low"}, headers=bearer(self.token)
        )

    def assign(self, task_id: str) -> requests.Response:
        return self.client.post(
            f"/api/v1/tasks/{task_id}/assign/",
            json={"user_ids": [self.colleague_id]},
            headers=bearer(self.token),
        )

    def emails(self) -> dict[str, int]:
        """Emails the colleague sees, per task title they name: distinct Message-IDs, as a
        mail client folds a message handed over twice."""
        return {title: len(ids) for title, ids in self._message_ids().items()}

    def deliveries(self) -> dict[str, int]:
        """Messages the SMTP server accepted for the colleague, per task title, duplicates
        included."""
        counts: dict[str, int] = {}
        for title, _ in self._messages():
            counts[title] = counts.get(title, 0) + 1
        return counts

    def _message_ids(self) -> dict[str, set[str]]:
        ids: dict[str, set[str]] = {}
        for title, message_id in self._messages():
            ids.setdefault(title, set()).add(message_id)
        return ids

    def _messages(self) -> list[tuple[str, str]]:
        found = []
        for message in self.mail.messages_to(self.colleague["email"]):
            subject = str(message["Subject"])
            if "“" in subject:
                title = subject.split("“", 1)[1].rsplit("”", 1)[0]
                found.append((title, str(message["Message-ID"])))
        return found


@pytest.fixture(scope="module")
def team(stack: Stack) -> Team:
    """An owner who writes tasks and a colleague who is assigned them (and gets the emails),
    once the colleague has reached the tasks replica through the users events."""
    client = stack.client()
    owner, colleague = register(client), register(client)
    for account in (owner, colleague):
        assert wait_for_profile(client, account["access_token"]).status_code == 200
    team = Team(client, owner, colleague, stack.mail)
    created = team.create(f"warm-up {uuid.uuid4().hex[:8]}")
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    until(lambda: team.assign(task_id).status_code == 200, 60, "colleague in the tasks replica")
    return team


@dataclass
class Outcome:
    kind: str
    title: str
    status: int | None
    content_type: str = ""
    detail: str = ""
    task_id: str | None = None


@dataclass
class WriteLoad:
    """A few threads, each on its own client address, creating a task and assigning the
    colleague to it, over and over, until stopped. Every answer is kept."""

    stack: Stack
    team: Team
    label: str
    threads: int = 3
    pause: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> WriteLoad:
        for number in range(self.threads):
            worker = threading.Thread(target=self._run, args=(number,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=60)

    def _record(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes.append(outcome)

    def _call(self, kind: str, title: str, call: Callable[[], requests.Response]) -> Outcome:
        try:
            response = call()
        except requests.RequestException as exc:
            outcome = Outcome(kind, title, None, detail=repr(exc))
        else:
            outcome = Outcome(
                kind,
                title,
                response.status_code,
                response.headers.get("Content-Type", ""),
                response.text[:300] if response.status_code >= 300 else "",
                response.json().get("id") if response.status_code == 201 else None,
            )
        self._record(outcome)
        return outcome

    def _run(self, number: int) -> None:
        client = self.stack.client()
        team = Team(client, self.team.owner, self.team.colleague, self.team.mail)
        sequence = 0
        while not self._stop.is_set():
            sequence += 1
            title = f"{self.label}-{number}-{sequence:05d}-{uuid.uuid4().hex[:6]}"
            created = self._call("create", title, partial(team.create, title))
            if created.status == 201 and created.task_id is not None:
                task_id = created.task_id
                assigned = self._call("assign", title, partial(team.assign, task_id))
                assigned.task_id = task_id
            self._stop.wait(self.pause)

    def created(self) -> dict[str, str]:
        return {o.title: o.task_id for o in self.outcomes if o.kind == "create" and o.task_id}

    def assigned(self) -> dict[str, str]:
        return {
            o.title: o.task_id
            for o in self.outcomes
            if o.kind == "assign" and o.status == 200 and o.task_id
        }

    def unexpected(self) -> list[Outcome]:
        """Anything but a 2xx or a 503 problem+json (a dropped connection included)."""
        return [
            o
            for o in self.outcomes
            if o.status is None
            or not (200 <= o.status < 300 or (o.status == 503 and PROBLEM in o.content_type))
        ]


def stack_events(stack: Stack, message: str, process: str) -> list[dict[str, Any]]:
    """The runner's own JSON lines about one child."""
    found = []
    for line in stack.log_path.read_text(errors="replace").splitlines():
        if line.startswith('{"time"') and '"taskhive-stack"' in line:
            event = json.loads(line)
            if event.get("message") == message and event.get("process") == process:
                found.append(event)
    return found


def current_pid(stack: Stack, name: str, other_than: int = 0, timeout: float = 120) -> int:
    return wait_for_child(
        stack.runner_pid, *STACK_PROCESSES[name], other_than=other_than, timeout=timeout
    ).pid


FAULT_RESULTS: dict[str, dict[str, Any]] = {}
"""Per fault: what was written, what came back, how long recovery took (printed at the end)."""


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FAULT_RESULTS:
        return
    terminalreporter.section("fault suite")
    for name, result in FAULT_RESULTS.items():
        terminalreporter.write_line(f"{name}: {json.dumps(result, sort_keys=True)}")


def server_up(stack: Stack, backend: str) -> bool:
    """The gateway routes to the backend's server: its health checks passed (not `UP 1/3`,
    a server going down, nor `DOWN 1/2`, one coming back)."""
    try:
        csv = requests.get(f"{stack.stats_url};csv", timeout=5).text
    except requests.RequestException:
        return False
    header, *lines = csv.lstrip("# ").splitlines()
    columns = header.split(",")
    rows = [dict(zip(columns, line.split(","), strict=False)) for line in lines]
    return any(
        row.get("pxname") == backend
        and row.get("svname") not in ("FRONTEND", "BACKEND")
        and row.get("status") == "UP"
        for row in rows
    )
