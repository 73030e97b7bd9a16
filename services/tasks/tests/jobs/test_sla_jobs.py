"""SLA escalation end to end on the real database: a task breaches, its priority goes up
once, the team's manager gets the email; a changed policy re-applies; two workers racing
announce a breach once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import sqlalchemy as sa

from tasks_service.application.sla import EscalateSlas
from tasks_service.entrypoints.jobs import ESCALATE_SLAS

ROUND_THE_CLOCK = {
    "timezone": "UTC",
    "working_days": [1, 2, 3, 4, 5, 6, 7],
    "day_start": "00:00",
    "day_end": "23:59",
}


def _team_with_policy(client, make_user, make_team, **policy):
    boss, ann = make_user("manager"), make_user()
    team = make_team(boss, ann)
    calendar = client.post(
        "/api/v1/calendars", json={"name": "Always"} | ROUND_THE_CLOCK, headers=boss.auth
    ).get_json()
    settings = {"calendar_id": calendar["id"], "auto_assign": "off"}
    assert (
        client.put(f"/api/v1/team-settings/{team}", json=settings, headers=boss.auth).status_code
        == 200
    )
    body = {
        "name": "Team high",
        "priorities": ["high"],
        "team_id": str(team),
        "response_hours": "1",
        "resolution_hours": "2",
    } | policy
    created = client.post("/api/v1/sla-policies", json=body, headers=boss.auth)
    assert created.status_code == 201, created.get_json()
    return boss, ann, team, created.get_json()["id"]


def _task(client, ann, team):
    body = {"title": "Fix the outage", "priority": "high", "team_id": str(team)}
    body["assignee_ids"] = [str(ann.id)]
    return client.post("/api/v1/tasks", json=body, headers=ann.auth).get_json()


def _escalate(jobs_app, now: datetime) -> dict[str, int]:
    result = jobs_app.tasks[ESCALATE_SLAS].apply(kwargs={"now": now.isoformat()}, throw=True)
    return result.result


def test_a_breach_raises_the_priority_once_and_emails_the_manager(
    client, make_user, make_team, relay, mail, jobs_app
) -> None:
    boss, ann, team, policy_id = _team_with_policy(client, make_user, make_team)
    task = _task(client, ann, team)
    sla = task["sla"]
    assert (sla["policy_id"], sla["state"]) == (policy_id, "on_track")
    created = datetime.fromisoformat(task["created_at"])
    assert datetime.fromisoformat(sla["response_due"]) - created < timedelta(hours=1, minutes=2)

    assert _escalate(jobs_app, created + timedelta(minutes=50))["at_risk"] >= 1
    later = created + timedelta(hours=3)
    assert _escalate(jobs_app, later)["breached"] >= 1
    assert _escalate(jobs_app, later + timedelta(seconds=30))["breached"] == 0
    url = f"/api/v1/tasks/{task['id']}"
    after = client.get(url, headers=ann.auth).get_json()
    assert (after["priority"], after["sla"]["state"]) == ("urgent", "breached")
    history = client.get(f"{url}/history", headers=ann.auth).get_json()["items"]
    [breach] = [entry for entry in history if entry["action"] == "sla_breached"]
    assert breach["changes"]["priority"] == {"old": "high", "new": "urgent"}
    assert breach["changes"]["automatic"]["new"] == "sla_breached"
    listed = client.get(
        "/api/v1/tasks", query_string={"sla_state": "breached", "team": str(team)}, headers=ann.auth
    ).get_json()
    assert [item["id"] for item in listed["items"]] == [task["id"]]

    relay()
    [to_boss] = mail.messages_to(f"{boss.username}@example.org")
    assert "SLA" in to_boss["Subject"]
    assert "Fix the outage" in to_boss["Subject"]
    assert any("at risk" in m["Subject"] for m in mail.messages_to(f"{ann.username}@example.org"))


def test_a_changed_policy_reapplies_to_the_open_tasks(
    client, make_user, make_team, jobs_app
) -> None:
    boss, ann, team, policy_id = _team_with_policy(client, make_user, make_team)
    task = _task(client, ann, team)
    url = f"/api/v1/tasks/{task['id']}"
    patched = client.patch(
        f"/api/v1/sla-policies/{policy_id}", json={"priorities": ["low"]}, headers=boss.auth
    )
    assert patched.status_code == 200
    assert client.get(url, headers=ann.auth).get_json()["sla"] is None
    client.patch(
        f"/api/v1/sla-policies/{policy_id}",
        json={"priorities": ["high"], "response_hours": "500", "resolution_hours": "900"},
        headers=boss.auth,
    )
    sla = client.get(url, headers=ann.auth).get_json()["sla"]
    created = datetime.fromisoformat(task["created_at"])
    assert datetime.fromisoformat(sla["response_due"]) - created > timedelta(days=20)
    assert client.delete(f"/api/v1/sla-policies/{policy_id}", headers=boss.auth).status_code == 204
    assert client.get(url, headers=ann.auth).get_json()["sla"] is None


def test_two_workers_racing_announce_each_breach_once(
    client, make_user, make_team, tasks_runtime, admin_engine
) -> None:
    """Two runs at once over several batches (two tasks each): whichever takes a batch's
    locks first announces; the other waits, then finds the flags set."""
    _, ann, team, _ = _team_with_policy(client, make_user, make_team)
    tasks = [_task(client, ann, team) for _ in range(5)]
    later = max(datetime.fromisoformat(t["created_at"]) for t in tasks) + timedelta(hours=3)
    escalate = EscalateSlas(tasks_runtime.unit_of_work, clock=None, batch=2)  # type: ignore[arg-type]
    start = threading.Barrier(2)
    reports: list[dict[str, int]] = []

    def worker() -> None:
        start.wait()
        reports.append(escalate(later))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [t["id"] for t in tasks]
    with admin_engine.connect() as connection:
        events = connection.execute(
            sa.text(
                "SELECT subject, type FROM tasks.outbox WHERE subject = ANY(:ids)"
                " AND type IN ('tasks.task.sla_breached.v1', 'tasks.task.updated.v1')"
            ),
            {"ids": ids},
        ).all()
        history = connection.execute(
            sa.text(
                "SELECT task_id::text, changes FROM tasks.task_history"
                " WHERE task_id = ANY(CAST(:ids AS uuid[])) AND action = 'sla_breached'"
            ),
            {"ids": ids},
        ).all()
        priorities = connection.execute(
            sa.text("SELECT priority FROM tasks.tasks WHERE id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": ids},
        ).scalars()
        assert sorted(priorities) == ["urgent"] * len(tasks)
    for task_id in ids:
        mine = [kind for subject, kind in events if subject == task_id]
        assert sorted(mine) == ["tasks.task.sla_breached.v1", "tasks.task.updated.v1"]
        [entry] = [changes for owner, changes in history if owner == task_id]
        assert entry["priority"] == {"old": "high", "new": "urgent"}
