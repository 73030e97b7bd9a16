"""The journeys every run mode must serve, and the helpers they share."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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


def _wait_for_job(client: Client, location: str, token: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job = client.get(location, headers=bearer(token))
        assert job.status_code == 200, job.text
        if job.json()["status"] in ("done", "failed") or time.monotonic() > deadline:
            return dict(job.json())
        time.sleep(0.1)


def files_journey(client: Client) -> None:
    """Export my tasks to CSV (a job: the worker writes the file store), download it through
    the signed link, import that file again (a job creating tasks), and again (same job)."""
    owner = register(client)
    token = owner["access_token"]
    assert wait_for_profile(client, token).status_code == 200
    title = f"Export me {uuid.uuid4().hex[:8]}"
    created = client.post("/api/v1/tasks/", json={"title": title}, headers=bearer(token))
    assert created.status_code == 201, created.text
    asked = client.post(
        "/api/v1/tasks/exports/",
        json={"format": "csv", "filters": {"q": title}},
        headers=bearer(token),
    )
    assert asked.status_code == 202, asked.text
    job = _wait_for_job(client, asked.headers["Location"], token)
    assert job["status"] == "done", job
    link = urlsplit(job["download_url"])
    downloaded = client.get(f"{link.path}?{link.query}")
    assert downloaded.status_code == 200, downloaded.text
    assert title in downloaded.text
    forged = client.get(f"{link.path}?{link.query.replace('signature=', 'signature=x')}")
    assert_problem(forged, 403)

    def upload() -> requests.Response:
        files = {"file": ("mine.csv", downloaded.content, "text/csv")}
        return client.post("/api/v1/tasks/imports/", files=files, headers=bearer(token))

    imported = upload()
    assert imported.status_code == 202, imported.text
    job = _wait_for_job(client, imported.headers["Location"], token)
    assert (job["status"], job["counts"]) == ("done", {"created": 1, "invalid": 0}), job
    again = upload()
    assert again.status_code == 202, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/tasks/", params={"q": title}, headers=bearer(token))
    assert len(listed.json()["items"]) == 2


def _until(probe: Any, done: Any, seconds: float = PROFILE_WAIT_SECONDS) -> Any:
    """Call `probe()` until `done(result)` or the time is up; the last result."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        if done(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.1)


def time_journey(client: Client) -> None:
    """Auto-tracking on; a task assigned to me moves to in progress and back: one automatic
    entry is recorded (timetracking consumed tasks' events); a logged entry's minutes reach
    the task's `actual_hours` (tasks consumed timetracking's events)."""
    me = register(client)
    token = me["access_token"]
    assert wait_for_profile(client, token).status_code == 200
    headers = bearer(token)
    on = client.request(
        "PUT", "/api/v1/time/preferences/", json={"auto_tracking": True}, headers=headers
    )
    assert on.status_code == 200, on.text
    created = client.post("/api/v1/tasks/", json={"title": "Timed work"}, headers=headers)
    assert created.status_code == 201, created.text
    task_id = created.json()["id"]
    assigned = _until(
        lambda: client.post(
            f"/api/v1/tasks/{task_id}/assign/",
            json={"user_ids": [me["user"]["id"]]},
            headers=headers,
        ),
        lambda answer: answer.status_code != 422,
    )
    assert assigned.status_code == 200, assigned.text
    moved = client.patch(
        f"/api/v1/tasks/{task_id}/", json={"status": "in_progress"}, headers=headers
    )
    assert moved.status_code == 200, moved.text
    running = _until(
        lambda: client.get("/api/v1/time/timer/", headers=headers).json()["running"],
        lambda timer: timer is not None,
    )
    assert running is not None
    assert running["source"] == "automatic", running
    assert running["task_id"] == task_id
    back = client.patch(f"/api/v1/tasks/{task_id}/", json={"status": "in_review"}, headers=headers)
    assert back.status_code == 200, back.text
    stopped = _until(
        lambda: client.get("/api/v1/time/timer/", headers=headers).json()["running"],
        lambda timer: timer is None,
    )
    assert stopped is None
    entries = client.get(f"/api/v1/time/entries/?task={task_id}", headers=headers).json()["items"]
    assert [(e["source"], e["running"]) for e in entries] == [("automatic", False)]
    logged = client.post(
        "/api/v1/time/entries/",
        json={"task_id": task_id, "duration_minutes": 90, "work_date": "2026-12-01"},
        headers=headers,
    )
    assert logged.status_code == 201, logged.text
    minutes = 90 + entries[0]["duration_minutes"]
    task = _until(
        lambda: client.get(f"/api/v1/tasks/{task_id}", headers=headers).json(),
        lambda body: body["actual_hours"] == f"{minutes / 60:.2f}",
    )
    assert task["actual_hours"] == f"{minutes / 60:.2f}", task
    sheet = client.get("/api/v1/time/timesheets/?week=2026-W49&tz=UTC", headers=headers)
    assert sheet.status_code == 200, sheet.text
    assert sheet.json()["totals"]["worked_minutes"] == 90


DEMO_PASSWORD = "taskhive-demo-2026"
DEMO_MANAGER = ("manager", "manager@taskhive.local")
SLA_WAIT_SECONDS = 240.0


def _mail_to(client: Client, address: str, subject_part: str) -> list[dict[str, Any]]:
    return [
        message
        for message in client.get("/dev/mail").json()
        if message["to"] == address and subject_part in message["subject"]
    ]


def sla_breach_journey(client: Client, run_escalation: Any) -> None:
    """A team with the demo manager and a new member, an always-on calendar, an SLA policy of
    72 working seconds; a task in the team breaches it for real (no clock is faked): its SLA
    says `breached`, its priority went up one step with history saying it was automatic, the
    manager got the escalation e-mail exactly once (the job run again sends nothing more), and
    the assignee the at-risk notice when the at-risk window was seen by a run.

    `run_escalation()` runs `tasks.escalate_slas` as the beat does (the beat runs it every
    30 s as well)."""
    login = client.post(
        "/api/v1/auth/login", json={"username": DEMO_MANAGER[0], "password": DEMO_PASSWORD}
    )
    assert login.status_code == 200, login.text
    manager = bearer(login.json()["access_token"])
    manager_id = login.json()["user"]["id"]
    member = register(client)
    assert wait_for_profile(client, member["access_token"]).status_code == 200
    team = client.post(
        "/api/v1/teams/", json={"name": f"SLA {uuid.uuid4().hex[:8]}"}, headers=manager
    )
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    for user_id in (manager_id, member["user"]["id"]):
        added = client.post(
            f"/api/v1/teams/{team_id}/members/", json={"user_id": user_id}, headers=manager
        )
        assert added.status_code == 201, added.text
    calendar = client.post(
        "/api/v1/calendars/",
        json={
            "name": f"Always {team_id[:8]}",
            "timezone": "UTC",
            "working_days": [1, 2, 3, 4, 5, 6, 7],
            "day_start": "00:00",
            "day_end": "23:59",  # the model's longest day: a minute off at midnight
        },
        headers=manager,
    )
    assert calendar.status_code == 201, calendar.text
    # The team reaches the tasks service's replica through users' events.
    settings = _until(
        lambda: client.request(
            "PUT",
            f"/api/v1/team-settings/{team_id}/",
            json={"calendar_id": calendar.json()["id"], "auto_assign": "off"},
            headers=manager,
        ),
        lambda response: response.status_code != 404,
        seconds=60,
    )
    assert settings.status_code == 200, settings.text
    policy = client.post(
        "/api/v1/sla-policies/",
        json={
            "name": "Tiny",
            "priorities": ["low", "medium", "high", "urgent"],
            "team_id": team_id,
            "response_hours": "0.02",
            "resolution_hours": "0.02",
        },
        headers=manager,
    )
    assert policy.status_code == 201, policy.text
    created = _until(
        lambda: client.post(
            "/api/v1/tasks/",
            json={
                "title": f"Answer the customer {team_id[:8]}",
                "priority": "low",
                "team_id": team_id,
                "assignee_ids": [member["user"]["id"]],
            },
            headers=manager,
        ),
        lambda response: response.status_code != 422,  # the member reaches the replica
        seconds=60,
    )
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["sla"]["policy_id"] == policy.json()["id"]
    assert task["sla"]["state"] == "on_track"
    due = datetime.fromisoformat(task["sla"]["resolution_due"])

    # 75 % of the 72 s target: at risk; a run in that window announces it.
    risk = due - timedelta(seconds=18)
    time.sleep(max(0.0, (risk - datetime.now(UTC)).total_seconds() + 1))
    run_escalation()
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds() + 1))
    deadline = time.monotonic() + SLA_WAIT_SECONDS
    while True:
        run_escalation()
        task = client.get(f"/api/v1/tasks/{task['id']}/", headers=manager).json()
        if task["sla"]["state"] == "breached" or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert task["sla"]["state"] == "breached", task
    assert task["priority"] == "medium"  # one step up from low
    history = client.get(f"/api/v1/tasks/{task['id']}/history/", headers=manager).json()["items"]
    breached = [entry for entry in history if entry["action"] == "sla_breached"]
    assert len(breached) == 1, history
    assert breached[0]["actor_id"] is None
    assert breached[0]["changes"]["priority"] == {"old": "low", "new": "medium"}
    assert breached[0]["changes"]["automatic"]["new"] == "sla_breached"

    mail = _until(
        lambda: _mail_to(client, DEMO_MANAGER[1], "is breached"),
        bool,
        seconds=60,
    )
    assert len(mail) == 1, client.get("/dev/mail").json()
    assert task["title"] in mail[0]["subject"]
    if any(entry["action"] == "sla_at_risk" for entry in history):
        notice = _until(lambda: _mail_to(client, member["email"], "is at risk"), bool, 60)
        assert len(notice) == 1, client.get("/dev/mail").json()
    run_escalation()  # again: nothing more to announce
    time.sleep(2)
    assert len(_mail_to(client, DEMO_MANAGER[1], "is breached")) == 1
    again = client.get(f"/api/v1/tasks/{task['id']}/history/", headers=manager).json()["items"]
    assert [e for e in again if e["action"] == "sla_breached"] == breached
