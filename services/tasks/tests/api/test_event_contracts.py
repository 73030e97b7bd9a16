"""Contract test: every event the tasks API emits is of a known type and matches its schema."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from taskhive_shared.events.contracts import ContractRegistry
from tasks_service.application.calendar_events import (
    CALENDAR_CREATED,
    CALENDAR_SNAPSHOT,
    TEAM_SETTINGS_SNAPSHOT,
    TEAM_SETTINGS_UPDATED,
)
from tasks_service.application.integration import EMITTED_TYPES


def _rows_after(admin_engine, seq: int) -> list:
    with admin_engine.connect() as connection:
        return list(
            connection.execute(
                sa.text("SELECT type, source, data FROM tasks.outbox WHERE seq > :s ORDER BY seq"),
                {"s": seq},
            )
        )


def _last_seq(admin_engine) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT coalesce(max(seq), 0) FROM tasks.outbox")
            ).scalar_one()
        )


def _breach_an_sla(client, make_user, make_team, jobs_app) -> None:
    """A team task under an SLA policy goes at risk, then breaches (the escalation job)."""
    boss = make_user("manager")
    team = make_team(boss)
    always = {"name": "Always", "timezone": "UTC", "working_days": [1, 2, 3, 4, 5, 6, 7]}
    always |= {"day_start": "00:00", "day_end": "23:59"}
    calendar = client.post("/api/v1/calendars", json=always, headers=boss.auth).get_json()
    settings = {"calendar_id": calendar["id"], "auto_assign": "off"}
    client.put(f"/api/v1/team-settings/{team}", json=settings, headers=boss.auth)
    policy = {"name": "Fast", "priorities": ["low"], "team_id": str(team)}
    policy |= {"response_hours": 1, "resolution_hours": 2}
    assert client.post("/api/v1/sla-policies", json=policy, headers=boss.auth).status_code == 201
    task = client.post(
        "/api/v1/tasks",
        json={"title": "Under SLA", "priority": "low", "team_id": str(team)},
        headers=boss.auth,
    ).get_json()
    created = datetime.fromisoformat(task["created_at"])
    for later in (timedelta(minutes=50), timedelta(hours=3)):
        moment = (created + later).isoformat()
        jobs_app.tasks["tasks.escalate_slas"].apply(kwargs={"now": moment}, throw=True)


def test_a_full_journey_emits_every_type_and_each_matches_its_contract(
    client, make_user, make_team, admin_engine, tasks_runtime, jobs_app
) -> None:
    start = _last_seq(admin_engine)
    ann, bob = make_user(), make_user()
    task = client.post(
        "/api/v1/tasks", json={"title": "Journey", "assignee_ids": [str(bob.id)]}, headers=ann.auth
    ).get_json()
    url = f"/api/v1/tasks/{task['id']}"
    client.patch(url, json={"title": "Journey 2", "status": "in_progress"}, headers=ann.auth)
    client.delete(f"{url}/assign/{bob.id}", headers=ann.auth)
    client.post(f"{url}/comments", json={"body": "Hello"}, headers=ann.auth)
    other = client.post("/api/v1/tasks", json={"title": "Blocker"}, headers=ann.auth).get_json()
    linked = client.post(f"{url}/dependencies", json={"blocked_by": other["id"]}, headers=ann.auth)
    assert linked.status_code == 201
    unlinked = client.delete(f"{url}/dependencies/{other['id']}", headers=ann.auth)
    assert unlinked.status_code == 204
    client.delete(url, headers=ann.auth)
    client.post(f"{url}/restore", headers=ann.auth)
    client.delete(url, headers=ann.auth)
    assert tasks_runtime.services.purge_archived(timedelta(0)) >= 1
    assert client.get(url, headers=ann.auth).status_code == 404
    now = datetime.now(UTC)
    for due in (now - timedelta(hours=1), now + timedelta(hours=2)):
        created = client.post(
            "/api/v1/tasks", json={"title": "Due", "due_date": due.isoformat()}, headers=ann.auth
        )
        assert created.status_code == 201
    jobs_app.tasks["tasks.check_overdue_tasks"].apply(throw=True)
    jobs_app.tasks["tasks.remind_due_soon_tasks"].apply(throw=True)
    _breach_an_sla(client, make_user, make_team, jobs_app)
    assert tasks_runtime.services.publish_snapshots().tasks >= 3

    rows = _rows_after(admin_engine, start)
    # The SLA's calendar and team settings publish theirs too (the replica of timetracking),
    # and their snapshots.
    calendar_types = {CALENDAR_CREATED, TEAM_SETTINGS_UPDATED}
    calendar_types |= {CALENDAR_SNAPSHOT, TEAM_SETTINGS_SNAPSHOT}
    assert {row.type for row in rows} == {*EMITTED_TYPES, *calendar_types}
    registry = ContractRegistry()
    for row in rows:
        assert row.source == "tasks"
        registry.validate(row.type, row.data)
    deleted = next(
        r for r in rows if r.type == "tasks.task.deleted.v1" and r.data["task_id"] == task["id"]
    )
    assert deleted.data["actor_id"] is None
    assert deleted.data["archived_at"] is not None


def test_a_snapshot_carries_the_task_and_its_status_history(
    client, make_user, tasks_runtime, outbox_rows
) -> None:
    ann = make_user()
    task = client.post("/api/v1/tasks", json={"title": "Moves"}, headers=ann.auth).get_json()
    url = f"/api/v1/tasks/{task['id']}"
    for status in ("in_progress", "done"):
        moved = client.patch(url, json={"status": status}, headers=ann.auth)
        assert moved.status_code == 200
    assert tasks_runtime.services.publish_snapshots(batch_size=2).tasks >= 1

    snapshots = [r for r in outbox_rows(task["id"]) if r.type == "tasks.task.snapshot.v1"]
    assert len(snapshots) == 1
    data = snapshots[0].data
    ContractRegistry().validate("tasks.task.snapshot.v1", data)
    assert [entry["status"] for entry in data["status_history"]] == ["todo", "in_progress", "done"]
    assert data["status_history"][0]["at"] == data["created_at"]
    assert (data["status"], data["version"], data["actor_id"]) == ("done", 3, None)
