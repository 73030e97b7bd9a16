"""The fuzzing run's stack and the identities and resources it fuzzes with.

The stack is `taskhive-stack` on a throwaway database, exactly as the e2e journeys get it, but
with the sign-in/registration rate limit raised for this run only: the fuzzer registers and
signs in far more often than a person would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.conftest import Client, Stack, running_stack
from tests.e2e.journeys import bearer, register, wait_for_profile

FUZZ_AUTH_RATE_LIMIT = 100_000
READY_SECONDS = 15.0


@dataclass
class FuzzFigures:
    """What the run did, printed at the end of the session (and asserted per operation)."""

    operations: set[str] = field(default_factory=set)
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    per_operation: dict[str, dict[int, int]] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    schema_violations: list[str] = field(default_factory=list)
    other_failures: list[str] = field(default_factory=list)

    def count(self, operation: str, status: int) -> None:
        self.examples += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        counts = self.per_operation.setdefault(operation, {})
        counts[status] = counts.get(status, 0) + 1

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        per_operation = [
            f"fuzz:   {operation}: "
            + ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))
            for operation, counts in self.per_operation.items()
        ]
        return [
            *per_operation,
            f"fuzz: {len(self.operations)} operations, {self.examples} examples",
            f"fuzz: statuses {statuses}",
            f"fuzz: {len(self.server_errors)} 5xx, {len(self.schema_violations)} schema "
            f"violations, {len(self.other_failures)} other check failures",
        ]


FIGURES = FuzzFigures()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES.examples:
        for line in FIGURES.lines():
            terminalreporter.write_line(line)


@pytest.fixture(scope="package")
def fuzz_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # Every per-caller limit off too: the fuzzer hammers as a handful of users (ADR 0024).
    extra = {
        name: str(FUZZ_AUTH_RATE_LIMIT)
        for name in (
            "GATEWAY_AUTH_RATE_LIMIT",
            "GATEWAY_USER_READ_LIMIT",
            "GATEWAY_USER_WRITE_LIMIT",
            "GATEWAY_ANON_LIMIT",
            "GATEWAY_KEY_IP_LIMIT",
        )
    }
    with running_stack(tmp_path_factory, extra) as stack:
        yield stack


@dataclass
class World:
    """A signed-in member and real ids to aim the fuzzer at (besides random ones)."""

    client: Client
    account: dict[str, Any]
    token: str
    ids: dict[str, str]

    def fresh_token(self) -> str:
        """A new session of the same account: for operations that end the caller's session."""
        response = self.client.post(
            "/api/v1/auth/login",
            json={"username": self.account["username"], "password": self.account["password"]},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


def _ready(client: Client, token: str) -> None:
    """The new account reached the users service and the tasks replica (events are async)."""
    assert wait_for_profile(client, token).status_code == 200
    deadline = time.monotonic() + READY_SECONDS
    while True:
        probe = client.post("/api/v1/tasks/", json={"title": "probe"}, headers=bearer(token))
        if probe.status_code == 201 or time.monotonic() > deadline:
            assert probe.status_code == 201, probe.text
            return
        time.sleep(0.1)


@pytest.fixture(scope="package")
def world(fuzz_stack: Stack) -> World:
    client = fuzz_stack.client()
    account = register(client)
    token = account["access_token"]
    _ready(client, token)
    auth = bearer(token)

    def created(path: str, body: dict[str, Any]) -> str:
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 201, response.text
        identifier: str = response.json()["id"]
        return identifier

    task_id = created("/api/v1/tasks/", {"title": "Fuzz target", "estimated_hours": "2.50"})
    comment = client.post(f"/api/v1/tasks/{task_id}/comments", json={"body": "hi"}, headers=auth)
    assert comment.status_code == 201, comment.text
    ids = {
        "task_id": task_id,
        "comment_id": comment.json()["id"],
        "template_id": created("/api/v1/task-templates/", {"name": "Fuzz", "title": "Do {it}"}),
        "user_id": account["user"]["id"],
    }
    created("/api/v1/tags/", {"name": "fuzz"})
    team = client.post("/api/v1/teams/", json={"name": "Fuzz team"}, headers=auth)
    if team.status_code == 201:  # members may not create teams: then the ids stay random
        ids["team_id"] = team.json()["id"]
    return World(client=client, account=account, token=token, ids=ids)
