"""Requests racing on real PostgreSQL: row locks, conditional updates, the Idempotency-Key
claim and the unique name indexes decide, and nothing is lost or doubled."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

TASKS = "/api/v1/tasks"


def race(tasks_app, *calls: Callable[[Any], Any]) -> list[Any]:
    """Run each call(client) in its own thread, released together; their responses."""
    barrier = threading.Barrier(len(calls))
    responses: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[Any], Any]) -> None:
        client = tasks_app.test_client()
        barrier.wait(timeout=10)
        responses[index] = call(client)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert all(r is not None for r in responses), "a racing request did not finish"
    return responses


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_two_edits_of_one_version_make_one_win_and_one_412(tasks_app, client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"

    def edit(title: str):
        return lambda c: c.patch(url, json={"title": title}, headers=ann.headers(If_Match='"v1"'))

    responses = race(tasks_app, edit("left"), edit("right"))
    assert sorted(r.status_code for r in responses) == [200, 412]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    final = client.get(url, headers=ann.auth).get_json()
    assert (final["title"], final["version"]) == (winner["title"], 2)


def test_concurrent_assignments_keep_every_assignee(tasks_app, client, make_user) -> None:
    ann = make_user()
    people = [make_user() for _ in range(4)]
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}/assign"

    def assign(person):
        return lambda c: c.post(url, json={"user_ids": [str(person.id)]}, headers=ann.auth)

    responses = race(tasks_app, *(assign(p) for p in people))
    assert [r.status_code for r in responses] == [200] * 4
    final = client.get(f"{TASKS}/{task['id']}", headers=ann.auth).get_json()
    assert set(final["assignee_ids"]) == {str(p.id) for p in people}
    assert final["version"] == 5


def test_one_idempotency_key_sent_twice_at_once_makes_one_task(
    tasks_app, client, make_user, admin_engine
) -> None:
    import sqlalchemy as sa

    ann = make_user()
    headers = ann.headers(Idempotency_Key=uuid.uuid4().hex)

    def post(c):
        return c.post(TASKS, json={"title": "Exactly once"}, headers=headers)

    responses = race(tasks_app, post, post)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].get_json()["id"] == responses[1].get_json()["id"]
    with admin_engine.connect() as connection:
        count = connection.execute(
            sa.text("SELECT count(*) FROM tasks.tasks WHERE created_by = :id"), {"id": ann.id}
        ).scalar_one()
    assert count == 1


def test_two_tags_of_one_name_in_different_case_at_once_make_one(tasks_app, make_user) -> None:
    ann = make_user()
    name = f"Race-{uuid.uuid4().hex[:8]}"

    def post(spelling: str):
        return lambda c: c.post("/api/v1/tags", json={"name": spelling}, headers=ann.auth)

    responses = race(tasks_app, post(name), post(name.upper()))
    assert sorted(r.status_code for r in responses) == [201, 409]


def test_tasks_naming_one_new_tag_at_once_share_it(tasks_app, client, make_user) -> None:
    ann = make_user()
    name = f"shared-{uuid.uuid4().hex[:8]}"

    def post(spelling: str):
        return lambda c: c.post(
            TASKS, json={"title": "Tagged", "tags": [spelling]}, headers=ann.auth
        )

    responses = race(tasks_app, post(name), post(name.upper()))
    assert [r.status_code for r in responses] == [201, 201]
    spellings = {tuple(r.get_json()["tags"]) for r in responses}
    assert len(spellings) == 1
    found = client.get("/api/v1/tags", query_string={"q": name}, headers=ann.auth).get_json()
    assert len(found["items"]) == 1
