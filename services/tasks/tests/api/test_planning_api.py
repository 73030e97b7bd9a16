"""Planning through HTTP: the critical path of a parent, parents that complete with their
subtasks (auto_complete), the computed score, sort=-score with keyset pages, and the job that
refreshes scores as time passes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

TASKS = "/api/v1/tasks"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def link(client, user, task_id: str, blocked_by: str) -> None:
    response = client.post(
        f"{TASKS}/{task_id}/dependencies", json={"blocked_by": blocked_by}, headers=user.auth
    )
    assert response.status_code == 201, response.get_json()


def move(client, user, task_id: str, status: str) -> dict[str, Any]:
    response = client.patch(f"{TASKS}/{task_id}", json={"status": status}, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def get(client, user, task_id: str) -> dict[str, Any]:
    return client.get(f"{TASKS}/{task_id}", headers=user.auth).get_json()


# --- critical path --------------------------------------------------------------------------


def test_the_critical_path_is_the_longest_chain_of_open_subtasks(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann, title="Release")
    under = {"parent_task_id": parent["id"]}
    a = create(client, ann, estimated_hours="4", **under)["id"]
    b = create(client, ann, estimated_hours="4.5", **under)["id"]
    c = create(client, ann, **under)["id"]
    d = create(client, ann, estimated_hours="8", **under)["id"]
    closed = create(client, ann, estimated_hours="100", **under)["id"]
    outside = create(client, ann, estimated_hours="50")["id"]
    link(client, ann, b, a)
    link(client, ann, c, b)
    link(client, ann, a, closed)  # closed subtasks take no part
    link(client, ann, d, outside)  # nor do tasks outside the parent
    move(client, ann, closed, "done")
    response = client.get(f"{TASKS}/{parent['id']}/critical-path/", headers=ann.auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "tasks": [a, b, c],
        "total_hours": "8.50",
        "missing_estimates": [c],
    }


def test_a_task_without_open_subtasks_has_an_empty_critical_path(client, make_user) -> None:
    ann = make_user()
    lonely = create(client, ann)
    body = client.get(f"{TASKS}/{lonely['id']}/critical-path", headers=ann.auth).get_json()
    assert body == {"tasks": [], "total_hours": "0.00", "missing_estimates": []}


def test_the_critical_path_leaves_out_subtasks_the_caller_cannot_see(
    client, make_user, make_team
) -> None:
    ann, bob = make_user(), make_user()
    team = make_team(ann, bob)
    parent = create(client, ann, team_id=str(team))
    seen = create(client, ann, team_id=str(team), parent_task_id=parent["id"])
    create(client, ann, parent_task_id=parent["id"], estimated_hours="9")  # private to ann
    body = client.get(f"{TASKS}/{parent['id']}/critical-path", headers=bob.auth).get_json()
    assert body == {"tasks": [seen["id"]], "total_hours": "0.00", "missing_estimates": [seen["id"]]}


# --- auto_complete --------------------------------------------------------------------------


def test_a_parent_completes_with_its_last_subtask_and_reopens_with_one(
    client, make_user, outbox_rows
) -> None:
    ann = make_user()
    parent = create(client, ann, auto_complete=True)
    assert parent["auto_complete"] is True
    first = create(client, ann, parent_task_id=parent["id"])["id"]
    second = create(client, ann, parent_task_id=parent["id"])["id"]
    move(client, ann, first, "done")
    assert get(client, ann, parent["id"])["status"] == "todo"
    move(client, ann, second, "cancelled")
    assert get(client, ann, parent["id"])["status"] == "done"
    entry = client.get(f"{TASKS}/{parent['id']}/history", headers=ann.auth).get_json()["items"][0]
    assert (entry["action"], entry["actor_id"]) == ("status_changed", None)
    assert entry["changes"]["status"] == {"old": "todo", "new": "done"}
    assert entry["changes"]["automatic"]["new"] == "its last open subtask was closed"
    move(client, ann, first, "in_progress")
    assert get(client, ann, parent["id"])["status"] == "in_progress"
    moves = [
        (r.data["old_status"], r.data["new_status"], r.data.get("automatic"))
        for r in outbox_rows(parent["id"])
        if r.type == "tasks.task.status_changed.v1"
    ]
    assert moves == [("todo", "done", True), ("done", "in_progress", True)]


def test_a_parent_without_auto_complete_stays_as_it_is(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann)
    only = create(client, ann, parent_task_id=parent["id"])["id"]
    move(client, ann, only, "done")
    assert get(client, ann, parent["id"])["status"] == "todo"


def test_completion_climbs_to_a_grandparent_with_auto_complete(client, make_user) -> None:
    ann = make_user()
    top = create(client, ann, auto_complete=True)
    middle = create(client, ann, auto_complete=True, parent_task_id=top["id"])
    leaf = create(client, ann, parent_task_id=middle["id"])
    move(client, ann, leaf["id"], "done")
    assert get(client, ann, middle["id"])["status"] == "done"
    assert get(client, ann, top["id"])["status"] == "done"


def test_a_parent_blocked_by_an_open_task_does_not_complete_by_itself(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann, auto_complete=True)
    link(client, ann, parent["id"], create(client, ann)["id"])
    only = create(client, ann, parent_task_id=parent["id"])["id"]
    move(client, ann, only, "done")
    assert get(client, ann, parent["id"])["status"] == "todo"


def test_two_last_subtasks_closing_at_once_complete_the_parent_once(
    tasks_app, client, make_user, outbox_rows
) -> None:
    ann = make_user()
    parent = create(client, ann, auto_complete=True)
    subtasks = [create(client, ann, parent_task_id=parent["id"])["id"] for _ in range(2)]
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def close(task_id: str) -> None:
        own = tasks_app.test_client()
        barrier.wait(timeout=10)
        codes.append(own.patch(f"{TASKS}/{task_id}", json={"status": "done"}, headers=ann.auth))

    threads = [threading.Thread(target=close, args=(t,)) for t in subtasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(r.status_code for r in codes) == [200, 200]
    assert get(client, ann, parent["id"])["status"] == "done"
    changed = [r for r in outbox_rows(parent["id"]) if r.type == "tasks.task.status_changed.v1"]
    assert len(changed) == 1


def test_auto_complete_must_be_a_boolean(client, make_user) -> None:
    ann = make_user()
    response = client.post(TASKS, json={"title": "x", "auto_complete": "yes"}, headers=ann.auth)
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["auto_complete"]


# --- score ----------------------------------------------------------------------------------


def test_the_score_weighs_priority_due_date_and_what_the_task_blocks(client, make_user) -> None:
    ann = make_user()
    now = datetime.now(UTC)
    low = create(client, ann, priority="low")
    assert low["score"] == 0
    urgent_overdue = create(
        client, ann, priority="urgent", due_date=(now - timedelta(hours=1)).isoformat()
    )
    assert urgent_overdue["score"] == 70  # 40 for urgent + 30 for being due
    week_away = create(client, ann, priority="high", due_date=(now + timedelta(days=7)).isoformat())
    assert week_away["score"] == 40  # 25 + 15: halfway into the 14-day window
    blocker = create(client, ann)  # medium: 10
    assert blocker["score"] == 10
    for _ in range(2):
        link(client, ann, create(client, ann)["id"], blocker["id"])
    assert get(client, ann, blocker["id"])["score"] == 18  # + 4 per open task it blocks
    done = move(client, ann, blocker["id"], "done")
    assert done["score"] == 0  # closed tasks score nothing


def test_a_blocker_scores_less_when_what_it_blocks_closes(client, make_user) -> None:
    ann = make_user()
    blocker, blocked = create(client, ann), create(client, ann)
    link(client, ann, blocked["id"], blocker["id"])
    assert get(client, ann, blocker["id"])["score"] == 14
    move(client, ann, blocked["id"], "cancelled")
    assert get(client, ann, blocker["id"])["score"] == 10


def test_sort_by_score_pages_through_every_task_once_in_order(client, make_user) -> None:
    ann = make_user()
    now = datetime.now(UTC)
    made = [create(client, ann, priority=p)["id"] for p in ("low", "urgent", "medium", "high")]
    made += [create(client, ann, priority="medium")["id"] for _ in range(3)]
    made.append(create(client, ann, due_date=(now - timedelta(days=1)).isoformat())["id"])
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"sort": "-score", "limit": 3, "created_by": str(ann.id)}
        if cursor:
            query["cursor"] = cursor
        page = client.get(TASKS, query_string=query, headers=ann.auth).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(t["id"] for t in seen) == sorted(made)
    keys = [(t["score"], t["id"]) for t in seen]
    assert keys == sorted(keys, reverse=True)
    ascending = client.get(
        TASKS, query_string={"sort": "score", "created_by": str(ann.id)}, headers=ann.auth
    ).get_json()
    assert [t["score"] for t in ascending["items"]] == sorted(t["score"] for t in seen)


def test_the_refresh_job_moves_scores_with_the_clock(client, make_user, jobs_app) -> None:
    ann = make_user()
    now = datetime.now(UTC)
    task = create(client, ann, priority="low", due_date=(now + timedelta(days=30)).isoformat())
    assert task["score"] == 0
    refresh = jobs_app.tasks["tasks.refresh_scores"]
    later = now + timedelta(days=30)
    result = refresh.apply(kwargs={"now": later.isoformat()}, throw=True).get()
    assert result["changed"] >= 1
    # A month on: due now (30) and a month old (10).
    assert get(client, ann, task["id"])["score"] == 40
    again = refresh.apply(kwargs={"now": later.isoformat()}, throw=True).get()
    assert again == {"changed": 0}
    refresh.apply(kwargs={"now": datetime.now(UTC).isoformat()}, throw=True)
    assert get(client, ann, task["id"])["score"] == 0
