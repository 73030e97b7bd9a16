"""`actual_hours` follows timetracking's entries (ADR 0022): the newest roll-up wins whatever
the delivery order, and a task with entries refuses a client's `actual_hours`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope


def entry_event(
    task_id: str, user: uuid.UUID, minutes: int, version: int, kind: str
) -> EventEnvelope:
    data: dict[str, Any] = {
        "entry_id": str(uuid.uuid4()),
        "task_id": task_id,
        "user_id": str(user),
        "team_id": None,
        "work_date": "2026-12-02",
        "started_at": None,
        "ended_at": None,
        "duration_minutes": 30,
        "billable": True,
        "source": "manual",
        "version": 1,
        "task_logged_minutes": minutes,
        "task_rollup_version": version,
        "actor_id": str(user),
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return EventEnvelope(
        type=f"timetracking.entry.{kind}.v1",
        source="timetracking",
        subject=data["entry_id"],
        data=data,
    )


def test_actual_hours_follow_the_newest_rollup_and_become_read_only(
    client, make_user, deliver
) -> None:
    user = make_user()
    created = client.post("/api/v1/tasks/", json={"title": "timed"}, headers=user.auth)
    assert created.status_code == 201
    task_id = created.get_json()["id"]
    assert (
        client.patch(
            f"/api/v1/tasks/{task_id}", json={"actual_hours": "1.00"}, headers=user.auth
        ).status_code
        == 200
    )
    newest = entry_event(task_id, user.id, 90, 2, "updated")
    assert deliver(newest) is Outcome.APPLIED
    assert deliver(newest) is Outcome.DUPLICATE
    assert deliver(entry_event(task_id, user.id, 30, 1, "created")) is Outcome.APPLIED  # stale
    task = client.get(f"/api/v1/tasks/{task_id}", headers=user.auth).get_json()
    assert task["actual_hours"] == "1.50"
    refused = client.patch(
        f"/api/v1/tasks/{task_id}", json={"actual_hours": "3.00"}, headers=user.auth
    )
    assert refused.status_code == 422
    assert "actual_hours" in refused.get_json()["errors"]
    other = client.patch(
        f"/api/v1/tasks/{task_id}", json={"title": "still timed"}, headers=user.auth
    )
    assert other.status_code == 200
    assert deliver(entry_event(task_id, user.id, 0, 3, "deleted")) is Outcome.APPLIED
    assert (
        client.get(f"/api/v1/tasks/{task_id}", headers=user.auth).get_json()["actual_hours"]
        == "0.00"
    )
