"""Timers over HTTP: one running per user, concurrent starts, the preference."""

from __future__ import annotations

import threading
from typing import Any

from services.timetracking.tests.world import World

TIMER = "/api/v1/time/timer/"


def test_starting_another_timer_stops_the_first(client, world: World, auth_for, outbox_of) -> None:
    me = world.user()
    first, second = world.task(me), world.task(me)
    headers = auth_for(me)
    assert client.get(TIMER, headers=headers).get_json() == {"running": None}
    started = client.post(f"{TIMER}start", json={"task_id": str(first.task_id)}, headers=headers)
    assert started.status_code == 201, started.get_json()
    again = client.post(f"{TIMER}start", json={"task_id": str(first.task_id)}, headers=headers)
    assert again.status_code == 200
    assert again.get_json()["id"] == started.get_json()["id"]
    switched = client.post(f"{TIMER}start", json={"task_id": str(second.task_id)}, headers=headers)
    assert switched.status_code == 201
    running = client.get(TIMER, headers=headers).get_json()["running"]
    assert running["task_id"] == str(second.task_id)
    assert running["source"] == "timer"
    stopped_first = client.get(
        f"/api/v1/time/entries/{started.get_json()['id']}", headers=headers
    ).get_json()
    assert stopped_first["running"] is False
    assert stopped_first["duration_minutes"] == 0  # started and stopped within the minute
    stopped = client.post(f"{TIMER}stop", headers=headers)
    assert stopped.status_code == 200
    assert stopped.get_json()["running"] is False
    assert client.post(f"{TIMER}stop", headers=headers).status_code == 409
    kinds = [row.type for row in outbox_of(started.get_json()["id"])]
    assert kinds == ["timetracking.entry.created.v1", "timetracking.entry.updated.v1"]


def test_concurrent_starts_leave_exactly_one_running_timer(
    time_app, world: World, auth_for, admin_engine
) -> None:
    me = world.user()
    tasks = [world.task(me) for _ in range(6)]
    headers = auth_for(me)
    barrier = threading.Barrier(len(tasks))
    answers: list[int] = []

    def start(task_id: str) -> None:
        client = time_app.test_client()
        barrier.wait()
        answers.append(
            client.post(f"{TIMER}start", json={"task_id": task_id}, headers=headers).status_code
        )

    threads = [threading.Thread(target=start, args=(str(t.task_id),)) for t in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201] * len(tasks)
    import sqlalchemy as sa

    with admin_engine.connect() as connection:
        running, total = connection.execute(
            sa.text(
                "SELECT count(*) FILTER (WHERE ended_at IS NULL), count(*) "
                "FROM timetracking.entries WHERE user_id = :u"
            ),
            {"u": me},
        ).one()
    assert (running, total) == (1, len(tasks))


def test_a_timer_on_an_invisible_task_is_refused(client, world: World, auth_for) -> None:
    owner, me = world.user(), world.user()
    task = world.task(owner)
    answer = client.post(f"{TIMER}start", json={"task_id": str(task.task_id)}, headers=auth_for(me))
    assert answer.status_code == 422
    assert "task_id" in answer.get_json()["errors"]
    bad: Any = client.post(f"{TIMER}start", json={"task_id": "x\u0000"}, headers=auth_for(me))
    assert bad.status_code == 422


def test_auto_tracking_is_off_by_default_and_switchable(client, world: World, auth_for) -> None:
    me = world.user()
    url = "/api/v1/time/preferences/"
    assert client.get(url, headers=auth_for(me)).get_json() == {"auto_tracking": False}
    assert client.put(url, json={"auto_tracking": True}, headers=auth_for(me)).status_code == 200
    assert client.get(url, headers=auth_for(me)).get_json() == {"auto_tracking": True}
    refused = client.put(url, json={"auto_tracking": "on"}, headers=auth_for(me))
    assert refused.status_code == 422
    assert "auto_tracking" in refused.get_json()["errors"]
