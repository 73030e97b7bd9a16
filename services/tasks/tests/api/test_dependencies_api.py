"""Dependencies through HTTP: add, list, remove; cycles (length 1, 2, long, and two
concurrent inserts that together would close one); the blocked-by-open-tasks rule and
allowed_transitions; visibility; events and history on both tasks."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

TASKS = "/api/v1/tasks"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def link(client, user, task_id: str, blocked_by: str):
    return client.post(
        f"{TASKS}/{task_id}/dependencies/", json={"blocked_by": blocked_by}, headers=user.auth
    )


def problem(response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}"
    return body


def history(client, user, task_id: str) -> list[dict[str, Any]]:
    return client.get(f"{TASKS}/{task_id}/history", headers=user.auth).get_json()["items"]


def test_a_dependency_is_listed_from_both_sides(client, make_user) -> None:
    ann = make_user()
    a, b = create(client, ann, title="Deploy"), create(client, ann, title="Build")
    response = link(client, ann, a["id"], b["id"])
    assert response.status_code == 201
    assert [t["id"] for t in response.get_json()["blocked_by"]] == [b["id"]]
    listed = client.get(f"{TASKS}/{a['id']}/dependencies", headers=ann.auth).get_json()
    assert listed == {
        "blocked_by": [{"id": b["id"], "title": "Build", "status": "todo", "is_open": True}],
        "blocks": [],
    }
    other_side = client.get(f"{TASKS}/{b['id']}/dependencies/", headers=ann.auth).get_json()
    assert [t["id"] for t in other_side["blocks"]] == [a["id"]]
    assert other_side["blocked_by"] == []


def test_adding_and_removing_write_history_on_both_tasks_and_one_event_each(
    client, make_user, outbox_rows
) -> None:
    ann = make_user()
    a, b = create(client, ann), create(client, ann)
    assert link(client, ann, a["id"], b["id"]).status_code == 201
    removed = client.delete(f"{TASKS}/{a['id']}/dependencies/{b['id']}/", headers=ann.auth)
    assert removed.status_code == 204
    a_history = [(h["action"], h["changes"]) for h in history(client, ann, a["id"])[:2]]
    b_history = [(h["action"], h["changes"]) for h in history(client, ann, b["id"])[:2]]
    assert a_history == [
        ("dependency_removed", {"blocked_by": {"old": b["id"], "new": None}}),
        ("dependency_added", {"blocked_by": {"old": None, "new": b["id"]}}),
    ]
    assert b_history == [
        ("dependency_removed", {"blocks": {"old": a["id"], "new": None}}),
        ("dependency_added", {"blocks": {"old": None, "new": a["id"]}}),
    ]
    a_events = [(r.type, r.data.get("blocked_by_id")) for r in outbox_rows(a["id"])][1:]
    assert a_events == [
        ("tasks.task.dependency_added.v1", b["id"]),
        ("tasks.task.dependency_removed.v1", b["id"]),
    ]
    assert [r.type for r in outbox_rows(b["id"])] == ["tasks.task.created.v1"]
    assert client.get(f"{TASKS}/{a['id']}/dependencies", headers=ann.auth).get_json() == {
        "blocked_by": [],
        "blocks": [],
    }


def test_a_task_cannot_block_itself(client, make_user, row_counts) -> None:
    ann = make_user()
    a = create(client, ann)
    before = row_counts()
    body = problem(link(client, ann, a["id"], a["id"]), 409, "dependency-cycle")
    assert body["cycle"] == [a["id"], a["id"]]
    assert row_counts() == before


def test_a_cycle_of_two_is_refused_and_named(client, make_user) -> None:
    ann = make_user()
    a, b = create(client, ann), create(client, ann)
    assert link(client, ann, a["id"], b["id"]).status_code == 201
    body = problem(link(client, ann, b["id"], a["id"]), 409, "dependency-cycle")
    assert body["cycle"] == [b["id"], a["id"], b["id"]]
    assert a["id"] in body["detail"]
    assert "blocked_by" in body["errors"]


def test_a_long_chain_closing_into_a_cycle_is_refused_naming_every_task(client, make_user) -> None:
    ann = make_user()
    chain = [create(client, ann, title=f"Step {i}")["id"] for i in range(25)]
    for blocked, blocker in itertools.pairwise(chain):
        assert link(client, ann, blocked, blocker).status_code == 201
    body = problem(link(client, ann, chain[-1], chain[0]), 409, "dependency-cycle")
    # The last step would be blocked by the first, which waits (through all others) on it.
    assert body["cycle"] == [chain[-1], *chain]
    # A shortcut that closes no cycle is fine: step 0 blocked by step 5 (already indirectly).
    assert link(client, ann, chain[0], chain[5]).status_code == 201


def test_the_same_dependency_twice_is_a_conflict(client, make_user) -> None:
    ann = make_user()
    a, b = create(client, ann), create(client, ann)
    assert link(client, ann, a["id"], b["id"]).status_code == 201
    problem(link(client, ann, a["id"], b["id"]), 409, "dependency-exists")


def race(tasks_app, *calls: Callable[[Any], Any]) -> list[Any]:
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


def test_two_concurrent_inserts_that_together_close_a_cycle_never_both_pass(
    tasks_app, client, make_user
) -> None:
    """A←B and C←D exist; "B blocked by C" and "D blocked by A" lock disjoint pairs of
    tasks, so only the graph lock stops both passing their check (A←B←C←D←A)."""
    ann = make_user()
    for _ in range(5):
        a, b, c, d = (create(client, ann)["id"] for _ in range(4))
        assert link(client, ann, a, b).status_code == 201
        assert link(client, ann, c, d).status_code == 201
        responses = race(
            tasks_app,
            lambda cl, b=b, c=c: link(cl, ann, b, c),
            lambda cl, d=d, a=a: link(cl, ann, d, a),
        )
        assert sorted(r.status_code for r in responses) == [201, 409]
        refused = next(r for r in responses if r.status_code == 409).get_json()
        assert refused["type"] == "/problems/dependency-cycle"
        assert len(refused["cycle"]) == 5


def test_both_tasks_must_be_visible_to_the_caller(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    mine, theirs = create(client, ann), create(client, bob)
    problem(link(client, ann, mine["id"], theirs["id"]), 404, "not-found")
    problem(link(client, ann, theirs["id"], mine["id"]), 404, "not-found")
    problem(client.get(f"{TASKS}/{theirs['id']}/dependencies", headers=ann.auth), 404, "not-found")
    problem(
        client.delete(f"{TASKS}/{theirs['id']}/dependencies/{mine['id']}", headers=ann.auth),
        404,
        "not-found",
    )
    problem(client.get(f"{TASKS}/{theirs['id']}/critical-path", headers=ann.auth), 404, "not-found")


def test_a_team_member_who_cannot_edit_the_task_gets_403(client, make_user, make_team) -> None:
    ann, bob = make_user(), make_user()
    team = make_team(ann, bob)
    task = create(client, ann, team_id=str(team))
    other = create(client, bob, team_id=str(team))
    problem(link(client, bob, task["id"], other["id"]), 403, "forbidden")


def test_removing_a_dependency_that_does_not_exist_is_404(client, make_user) -> None:
    ann = make_user()
    a, b = create(client, ann), create(client, ann)
    problem(
        client.delete(f"{TASKS}/{a['id']}/dependencies/{b['id']}", headers=ann.auth),
        404,
        "not-found",
    )


def test_a_bad_body_is_422_naming_the_field(client, make_user) -> None:
    ann = make_user()
    a = create(client, ann)
    url = f"{TASKS}/{a['id']}/dependencies"
    for body in ({"blocked_by": "nope"}, {}, {"blocked_by": a["id"], "extra": 1}):
        response = client.post(url, json=body, headers=ann.auth)
        assert response.status_code == 422, body
        assert set(response.get_json()["errors"]) & {"blocked_by", "extra"}


def test_an_archived_task_takes_no_new_dependency(client, make_user) -> None:
    ann = make_user()
    a, b = create(client, ann), create(client, ann)
    assert client.delete(f"{TASKS}/{b['id']}", headers=ann.auth).status_code == 204
    problem(link(client, ann, a["id"], b["id"]), 409, "task-archived")


# --- the blocked-by-open-tasks rule ---------------------------------------------------------


def test_a_blocked_task_cannot_start_or_finish_until_its_blockers_close(
    client, make_user, row_counts
) -> None:
    ann = make_user()
    task, blocker = create(client, ann), create(client, ann, title="Blocker")
    assert link(client, ann, task["id"], blocker["id"]).status_code == 201
    url = f"{TASKS}/{task['id']}"
    before = row_counts()
    for status in ("in_progress", "done"):
        body = problem(
            client.patch(url, json={"status": status}, headers=ann.auth),
            409,
            "blocked-by-open-tasks",
        )
        assert body["blockers"] == [{"id": blocker["id"], "title": "Blocker", "status": "todo"}]
        assert body["hidden_blockers"] == 0
        assert "Blocker" in body["detail"]
    assert row_counts() == before
    # Moves that neither start nor finish it are fine.
    assert client.patch(url, json={"status": "cancelled"}, headers=ann.auth).status_code == 200
    assert client.patch(url, json={"status": "todo"}, headers=ann.auth).status_code == 200
    done = client.patch(f"{TASKS}/{blocker['id']}", json={"status": "done"}, headers=ann.auth)
    assert done.status_code == 200
    assert client.patch(url, json={"status": "in_progress"}, headers=ann.auth).status_code == 200


def test_allowed_transitions_follow_the_workflow_and_the_blockers(client, make_user) -> None:
    ann = make_user()
    task, blocker = create(client, ann), create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assert task["allowed_transitions"] == ["in_progress", "blocked", "done", "cancelled"]
    assert link(client, ann, task["id"], blocker["id"]).status_code == 201
    assert client.get(url, headers=ann.auth).get_json()["allowed_transitions"] == [
        "blocked",
        "cancelled",
    ]
    listed = client.get(TASKS, headers=ann.auth).get_json()
    assert next(t for t in listed["items"] if t["id"] == task["id"])["allowed_transitions"] == [
        "blocked",
        "cancelled",
    ]
    # An archived blocker blocks nothing.
    assert client.delete(f"{TASKS}/{blocker['id']}", headers=ann.auth).status_code == 204
    assert client.get(url, headers=ann.auth).get_json()["allowed_transitions"] == [
        "in_progress",
        "blocked",
        "done",
        "cancelled",
    ]
    assert client.delete(url, headers=ann.auth).status_code == 204
    assert client.get(url, headers=ann.auth).get_json()["allowed_transitions"] == []


def test_a_blocker_the_caller_cannot_see_is_counted_not_named(client, make_user, make_team) -> None:
    ann, bob, cleo = make_user(), make_user(), make_user()
    team = make_team(ann, bob)
    shared = create(client, ann, team_id=str(team), assignee_ids=[str(cleo.id)])
    secret = create(client, ann, title="Secret")
    assert link(client, ann, shared["id"], secret["id"]).status_code == 201
    body = problem(
        client.patch(f"{TASKS}/{shared['id']}", json={"status": "done"}, headers=cleo.auth),
        409,
        "blocked-by-open-tasks",
    )
    assert (body["blockers"], body["hidden_blockers"]) == ([], 1)
    assert "Secret" not in body["detail"]
    listed = client.get(f"{TASKS}/{shared['id']}/dependencies", headers=cleo.auth).get_json()
    assert listed["blocked_by"] == []
