"""Idempotency-Key on entry creation, and unlocking an approved week."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa

from services.timetracking.tests.world import World

ENTRIES = "/api/v1/time/entries/"
SHEETS = "/api/v1/time/timesheets/"


def test_a_retry_with_the_same_key_and_body_gets_the_first_answer(
    client, world: World, auth_for, admin_engine
) -> None:
    me = world.user()
    task = world.task(me)
    headers = auth_for(me) | {"Idempotency-Key": "log-42"}
    body = {"task_id": str(task.task_id), "duration_minutes": 25, "work_date": "2026-12-02"}
    first = client.post(ENTRIES, json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    again = client.post(ENTRIES, json=body, headers=headers)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (again.headers["ETag"], again.headers["Location"]) == (
        first.headers["ETag"],
        first.headers["Location"],
    )
    with admin_engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM timetracking.entries WHERE task_id = :t"),
            {"t": task.task_id},
        ).scalar_one()
    assert count == 1

    other = client.post(ENTRIES, json=body | {"duration_minutes": 26}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.get_json()["errors"]
    # Keys are the caller's own: another user with the same key logs their own entry.
    someone = world.user()
    theirs = world.task(someone)
    mine_too = client.post(
        ENTRIES,
        json=body | {"task_id": str(theirs.task_id)},
        headers=auth_for(someone) | {"Idempotency-Key": "log-42"},
    )
    assert mine_too.status_code == 201
    bad_key = client.post(ENTRIES, json=body, headers=auth_for(me) | {"Idempotency-Key": "é"})
    assert bad_key.status_code == 422


def test_concurrent_retries_of_one_key_make_one_entry(
    time_app, world: World, auth_for, admin_engine
) -> None:
    me = world.user()
    task = world.task(me)
    headers = auth_for(me) | {"Idempotency-Key": f"burst-{uuid.uuid4()}"}
    body = {"task_id": str(task.task_id), "duration_minutes": 15, "work_date": "2026-12-02"}
    barrier = threading.Barrier(5)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        client = time_app.test_client()
        barrier.wait()
        answer = client.post(ENTRIES, json=body, headers=headers)
        answers.append((answer.status_code, answer.get_json()["id"]))

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {status for status, _ in answers} == {201}
    assert len({entry_id for _, entry_id in answers}) == 1
    with admin_engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM timetracking.entries WHERE task_id = :t"),
            {"t": task.task_id},
        ).scalar_one()
    assert count == 1


def test_a_refused_request_does_not_use_up_its_key(client, world: World, auth_for) -> None:
    me = world.user()
    task = world.task(me)
    headers = auth_for(me) | {"Idempotency-Key": "try-again"}
    body = {"task_id": str(uuid.uuid4()), "duration_minutes": 10}
    assert client.post(ENTRIES, json=body, headers=headers).status_code == 422
    fixed = body | {"task_id": str(task.task_id)}
    assert client.post(ENTRIES, json=fixed, headers=headers).status_code == 201


def test_a_manager_unlocks_an_approved_week_with_a_reason(
    client, world: World, auth_for, outbox_of
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    member = world.user(team_ids=(team,))
    peer = world.user(team_ids=(team,))
    task = world.task(member, team_id=team)
    mine, boss = auth_for(member), auth_for(manager, "manager")
    logged = client.post(
        ENTRIES,
        json={"task_id": str(task.task_id), "duration_minutes": 30, "work_date": "2026-12-03"},
        headers=mine,
    ).get_json()
    week = {"user": str(member), "week": "2026-W49"}
    why = week | {"reason": "Thursday was a holiday"}
    assert client.post(f"{SHEETS}unlock", json=why, headers=boss).status_code == 409
    client.post(f"{SHEETS}submit", json={"week": "2026-W49"}, headers=mine)
    assert client.post(f"{SHEETS}approve", json=week, headers=boss).status_code == 200
    entry_url = f"{ENTRIES}{logged['id']}"
    assert client.patch(entry_url, json={"note": "x"}, headers=mine).status_code == 409

    assert client.post(f"{SHEETS}unlock", json=why, headers=mine).status_code == 403
    assert client.post(f"{SHEETS}unlock", json=why, headers=auth_for(peer)).status_code == 403
    no_reason = client.post(f"{SHEETS}unlock", json=week | {"reason": "  "}, headers=boss)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]
    unlocked = client.post(f"{SHEETS}unlock", json=why, headers=boss)
    assert unlocked.status_code == 200, unlocked.get_json()
    assert unlocked.get_json()["status"] == "open"
    assert unlocked.get_json()["reason"] == "Thursday was a holiday"
    assert client.patch(entry_url, json={"note": "x"}, headers=mine).status_code == 200

    history = client.get(f"{SHEETS}history?week=2026-W49", headers=mine)
    assert history.status_code == 200, history.get_json()
    steps = [(s["action"], s["status"], s["actor_id"]) for s in history.get_json()["items"]]
    assert steps == [
        ("submitted", "submitted", str(member)),
        ("approved", "approved", str(manager)),
        ("unlocked", "open", str(manager)),
    ]
    assert history.get_json()["items"][-1]["reason"] == "Thursday was a holiday"
    events = [(r.data["action"], r.data["status"]) for r in outbox_of(f"{member}:2026-W49")]
    assert events[-1] == ("unlocked", "open")
    stranger = client.get(f"{SHEETS}history?week=2026-W49&user={member}", headers=auth_for(peer))
    assert stranger.status_code == 404
    # Open again: it is submitted and approved anew.
    assert (
        client.post(f"{SHEETS}submit", json={"week": "2026-W49"}, headers=mine).status_code == 200
    )
    assert client.post(f"{SHEETS}approve", json=week, headers=boss).status_code == 200
