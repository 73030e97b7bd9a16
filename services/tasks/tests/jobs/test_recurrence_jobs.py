"""Recurring tasks on the real database: done through the API makes the next occurrence,
`?series=` lists them, the due-date job run by two racing workers makes it once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from tasks_service.application.recurrence import SpawnDueOccurrences

WEEKLY = {"rule": "FREQ=WEEKLY;BYDAY=MO", "mode": "from_due_date"}


def test_done_makes_the_next_occurrence_listed_in_its_series(client, make_user) -> None:
    ann = make_user()
    due = datetime(2026, 12, 7, 9, tzinfo=UTC).isoformat()
    first = client.post(
        "/api/v1/tasks",
        json={"title": "Standup notes", "recurrence": WEEKLY, "due_date": due},
        headers=ann.auth,
    ).get_json()
    assert first["recurrence"] == WEEKLY
    assert first["series_id"] == first["id"]
    client.post(
        "/api/v1/tasks",
        json={"title": "Agenda", "parent_task_id": first["id"], "status": "done"},
        headers=ann.auth,
    )
    done = client.patch(f"/api/v1/tasks/{first['id']}", json={"status": "done"}, headers=ann.auth)
    assert done.status_code == 200
    listed = client.get(
        "/api/v1/tasks", query_string={"series": first["id"]}, headers=ann.auth
    ).get_json()["items"]
    assert len(listed) == 2
    following = next(item for item in listed if item["id"] != first["id"])
    assert following["due_date"].startswith("2026-12-14T09:00:00")
    assert (following["status"], following["recurrence"]) == ("todo", WEEKLY)
    subtasks = client.get(
        "/api/v1/tasks", query_string={"parent": following["id"]}, headers=ann.auth
    ).get_json()["items"]
    assert [(s["title"], s["status"]) for s in subtasks] == [("Agenda", "todo")]


def test_two_workers_racing_make_the_next_occurrence_once(client, make_user, tasks_runtime) -> None:
    ann = make_user()
    due = datetime.now(UTC) - timedelta(days=8)
    first = client.post(
        "/api/v1/tasks",
        json={
            "title": "Water the plants",
            "recurrence": {"rule": "FREQ=DAILY", "mode": "from_due_date"},
            "due_date": due.isoformat(),
        },
        headers=ann.auth,
    ).get_json()
    spawn = SpawnDueOccurrences(tasks_runtime.unit_of_work, clock=None)  # type: ignore[arg-type]
    start = threading.Barrier(2)
    now = due + timedelta(days=1, hours=1)

    def worker() -> None:
        start.wait()
        spawn(now)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spawn(now)  # and once more, later
    listed = client.get(
        "/api/v1/tasks", query_string={"series": first["id"]}, headers=ann.auth
    ).get_json()["items"]
    assert len(listed) == 2


def test_hostile_recurrence_is_refused_naming_the_field(client, make_user, row_counts) -> None:
    ann = make_user()
    before = row_counts()
    for value in (
        {"rule": "FREQ=WEEKLY"},
        {"rule": "FREQ=WEEKLY", "mode": "sometimes"},
        {"rule": "FREQ=NEVER", "mode": "from_due_date"},
        {"rule": "FREQ=DAILY\x00", "mode": "from_due_date"},
        {"rule": "x" * 600, "mode": "from_due_date"},
        {"rule": "FREQ=DAILY", "mode": "from_due_date", "extra": 1},
        "FREQ=DAILY",
    ):
        response = client.post(
            "/api/v1/tasks", json={"title": "t", "recurrence": value}, headers=ann.auth
        )
        assert response.status_code == 422, (value, response.get_json())
        named = {key.split(".")[0] for key in response.get_json()["errors"]}
        assert "recurrence" in named, (value, named)
    assert row_counts() == before
