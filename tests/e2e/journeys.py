"""The journeys every run mode must serve, and the helpers they share."""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from tests.e2e.conftest import Client

PROBLEM = "application/problem+json"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'"
PASSWORD = "amber-kettle-orbit-7413"


def new_account() -> dict[str, str]:
    name = f"e2e{uuid.uuid4().hex[:12]}"
    return {
        "email": f"{name}@example.com",
        "username": name,
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
    }


def register(client: Client, path: str = "/api/v1/auth/register") -> dict[str, Any]:
    account = new_account()
    response = client.post(path, json=account)
    assert response.status_code == 201, response.text
    return {**account, **response.json()}


def assert_problem(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def auth_journey(client: Client) -> None:
    """Register → login (username, email) → refresh → reuse detection → logout → revoked."""
    account = register(client)
    assert account["user"]["username"] == account["username"]
    assert account["token_type"] == "Bearer"

    by_username = client.post(
        "/api/v1/auth/login", json={"username": account["username"], "password": PASSWORD}
    )
    assert by_username.status_code == 200, by_username.text
    assert by_username.headers["Cache-Control"] == "no-store"
    by_email = client.post(
        "/api/v1/auth/login", json={"username": account["email"], "password": PASSWORD}
    )
    assert by_email.status_code == 200, by_email.text
    assert by_email.json()["user"]["id"] == account["user"]["id"]

    spent = by_username.json()["refresh_token"]
    rotated = client.post("/api/v1/auth/refresh", json={"refresh_token": spent})
    assert rotated.status_code == 200, rotated.text
    newer = rotated.json()["refresh_token"]
    assert newer != spent
    # Replaying the spent token kills its family: the newer token of that family dies too.
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": spent}), 401)
    assert_problem(client.post("/api/v1/auth/refresh", json={"refresh_token": newer}), 401)

    session = by_email.json()
    logout = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": session["refresh_token"]},
        headers=bearer(session["access_token"]),
    )
    assert logout.status_code == 204, logout.text
    again = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": session["refresh_token"]},
        headers=bearer(session["access_token"]),
    )
    assert_problem(again, 401)
    ended = client.post("/api/v1/auth/refresh", json={"refresh_token": session["refresh_token"]})
    assert_problem(ended, 401)


PROFILE_WAIT_SECONDS = 10.0


def wait_for_profile(client: Client, access_token: str) -> requests.Response:
    """The profile appears once auth.user.registered.v1 went outbox → relay → users consumer."""
    deadline = time.monotonic() + PROFILE_WAIT_SECONDS
    while True:
        response = client.get("/api/v1/users/me", headers=bearer(access_token))
        if response.status_code != 404 or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


def profile_journey(client: Client) -> None:
    """Register → the profile becomes visible (event path) → edit it with If-Match → stale 412."""
    account = register(client)
    token = account["access_token"]
    me = wait_for_profile(client, token)
    assert me.status_code == 200, me.text
    profile = me.json()
    assert profile["id"] == account["user"]["id"]
    assert profile["username"] == account["username"]
    assert profile["first_name"] == account["first_name"]
    assert profile["role"] == "member"
    etag = me.headers["ETag"]

    changed = client.patch(
        "/api/v1/users/me",
        json={"timezone": "Europe/Paris"},
        headers={**bearer(token), "If-Match": etag},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["timezone"] == "Europe/Paris"
    stale = client.patch(
        "/api/v1/users/me", json={"first_name": "Late"}, headers={**bearer(token), "If-Match": etag}
    )
    assert_problem(stale, 412)
    listed = client.get("/api/users/?limit=5", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert "items" in listed.json()


def tasks_journey(client: Client) -> dict[str, Any]:
    """Create a task, find it by search, assign a colleague, change status, see the history;
    the colleague (once in the tasks replica) sees it, a stranger gets 404."""
    owner, colleague, stranger = register(client), register(client), register(client)
    for account in (owner, colleague, stranger):
        assert wait_for_profile(client, account["access_token"]).status_code == 200
    token = owner["access_token"]
    created = client.post(
        "/api/v1/tasks/",
        json={"title": "Quarterly budget review", "priority": "high", "tags": ["finance"]},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.text
    task = created.json()
    task_id = task["id"]
    found = client.get("/api/tasks/?q=budget&status=todo", headers=bearer(token))
    assert found.status_code == 200, found.text
    assert [item["id"] for item in found.json()["items"]] == [task_id]

    deadline = time.monotonic() + PROFILE_WAIT_SECONDS
    while True:  # the colleague reaches the tasks replica through users' events
        assigned = client.post(
            f"/api/v1/tasks/{task_id}/assign/",
            json={"user_ids": [colleague["user"]["id"]]},
            headers=bearer(token),
        )
        if assigned.status_code != 422 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert assigned.status_code == 200, assigned.text
    moved = client.patch(
        f"/api/v1/tasks/{task_id}/", json={"status": "in_progress"}, headers=bearer(token)
    )
    assert moved.status_code == 200, moved.text
    history = client.get(f"/api/v1/tasks/{task_id}/history/", headers=bearer(token))
    assert history.status_code == 200, history.text
    actions = [entry["action"] for entry in history.json()["items"]]
    assert len(actions) >= 3
    seen = client.get(f"/api/v1/tasks/{task_id}", headers=bearer(colleague["access_token"]))
    assert seen.status_code == 200, seen.text
    hidden = client.get(f"/api/v1/tasks/{task_id}", headers=bearer(stranger["access_token"]))
    assert_problem(hidden, 404)
    return {"task_id": task_id, "owner": owner, "colleague": colleague}
