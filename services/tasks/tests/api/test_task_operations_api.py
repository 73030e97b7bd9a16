"""The operations on a task: assign and unassign, archive and restore, subtasks."""

from __future__ import annotations

import uuid
from typing import Any

TASKS = "/api/v1/tasks"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()


def actions(client, user, task_id: str) -> list[str]:
    items = client.get(f"{TASKS}/{task_id}/history", headers=user.auth).get_json()["items"]
    return [item["action"] for item in items]


def assign(client, user, task_id: str, *people) -> Any:
    return client.post(
        f"{TASKS}/{task_id}/assign",
        json={"user_ids": [str(p.id) for p in people]},
        headers=user.auth,
    )


# --- assign / unassign -----------------------------------------------------------------------


def test_assignees_are_listed_in_assignment_order_with_who_assigned_them(client, make_user) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    task = create(client, ann)
    assign(client, ann, task["id"], cat)
    body = assign(client, ann, task["id"], bob).get_json()
    assert body["assignee_ids"] == [str(cat.id), str(bob.id)]
    assert [a["username"] for a in body["assignees"]] == [cat.username, bob.username]
    assert {a["assigned_by"] for a in body["assignees"]} == {str(ann.id)}


def test_a_user_named_twice_in_one_assignment_is_assigned_once(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann)
    body = assign(client, ann, task["id"], bob, bob).get_json()
    assert body["assignee_ids"] == [str(bob.id)]


def test_reassigning_an_assignee_records_nothing(client, make_user, outbox_rows) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    before = len(outbox_rows(task["id"]))
    body = assign(client, ann, task["id"], bob).get_json()
    assert body["version"] == 1
    assert len(outbox_rows(task["id"])) == before
    assert actions(client, ann, task["id"]) == ["created"]


def test_the_assigned_event_names_only_the_new_assignees(client, make_user, outbox_rows) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    assign(client, ann, task["id"], bob, cat)
    last = outbox_rows(task["id"])[-1]
    assert last.type == "tasks.task.assigned.v1"
    assert last.data["user_ids"] == [str(cat.id)]
    assert last.data["assignee_ids"] == [str(bob.id), str(cat.id)]


def test_assigning_an_unknown_user_names_them(client, make_user, row_counts) -> None:
    ann = make_user()
    task = create(client, ann)
    stranger = uuid.uuid4()
    before = row_counts()
    response = client.post(
        f"{TASKS}/{task['id']}/assign", json={"user_ids": [str(stranger)]}, headers=ann.auth
    )
    assert str(stranger) in problem(response, 422)["errors"]["user_ids"][0]
    assert row_counts() == before


def test_an_archived_task_cannot_be_assigned(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann)
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    body = problem(assign(client, ann, task["id"], bob), 409)
    assert body["type"] == "/problems/task-archived"


def test_an_archived_task_cannot_be_unassigned(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    problem(client.delete(f"{TASKS}/{task['id']}/assign/{bob.id}", headers=ann.auth), 409)


def test_an_assignee_may_not_unassign_themselves(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    problem(client.delete(f"{TASKS}/{task['id']}/assign/{bob.id}", headers=bob.auth), 403)


def test_more_than_fifty_assignees_in_one_request_are_refused(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    many = [str(uuid.uuid4()) for _ in range(51)]
    response = client.post(
        f"{TASKS}/{task['id']}/assign", json={"user_ids": many}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["user_ids"]


def test_an_assignment_is_a_history_row_with_its_actor(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann)
    assign(client, ann, task["id"], bob)
    [latest, _] = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"]
    assert (latest["action"], latest["actor_id"]) == ("assigned", str(ann.id))
    assert latest["changes"] == {"assignee_ids": {"old": [], "new": [str(bob.id)]}}


# --- archive / restore -----------------------------------------------------------------------


def test_archiving_twice_records_one_archive(client, make_user, outbox_rows) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.delete(url, headers=ann.auth)
    client.delete(url, headers=ann.auth)
    types = [row.type for row in outbox_rows(task["id"])]
    assert types.count("tasks.task.archived.v1") == 1
    assert client.get(url, headers=ann.auth).get_json()["version"] == 2


def test_restoring_a_live_task_changes_nothing(client, make_user, outbox_rows) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.post(f"{TASKS}/{task['id']}/restore", headers=ann.auth)
    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    assert [row.type for row in outbox_rows(task["id"])] == ["tasks.task.created.v1"]


def test_restore_clears_the_archive_time(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    body = client.post(f"{TASKS}/{task['id']}/restore", headers=ann.auth).get_json()
    assert (body["is_archived"], body["archived_at"]) == (False, None)


def test_an_archived_task_cannot_be_replaced(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    response = client.put(f"{TASKS}/{task['id']}", json={"title": "x"}, headers=ann.auth)
    assert problem(response, 409)["type"] == "/problems/task-archived"


def test_an_archived_task_keeps_its_comments_and_history_readable(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.post(f"{url}/comments", json={"body": "before"}, headers=ann.auth)
    client.delete(url, headers=ann.auth)
    comments = client.get(f"{url}/comments", headers=ann.auth).get_json()["items"]
    assert [c["body"] for c in comments] == ["before"]
    assert actions(client, ann, task["id"])[:2] == ["archived", "commented"]


def test_the_archive_and_restore_rows_record_the_flag(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    client.post(f"{TASKS}/{task['id']}/restore", headers=ann.auth)
    items = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"]
    assert items[0]["changes"] == {"is_archived": {"old": True, "new": False}}
    assert items[1]["changes"] == {"is_archived": {"old": False, "new": True}}


def test_restoring_a_missing_task_is_a_404(client, make_user) -> None:
    ann = make_user()
    problem(client.post(f"{TASKS}/{uuid.uuid4()}/restore", headers=ann.auth), 404)


# --- subtasks --------------------------------------------------------------------------------


def test_an_archived_subtask_leaves_its_parent_s_list(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann)
    child = create(client, ann, parent_task_id=parent["id"])
    client.delete(f"{TASKS}/{child['id']}", headers=ann.auth)
    listed = client.get(f"{TASKS}/{parent['id']}/subtasks", headers=ann.auth).get_json()
    assert listed["items"] == []
    archived = client.get(
        f"{TASKS}/{parent['id']}/subtasks", query_string={"archived": "true"}, headers=ann.auth
    ).get_json()
    assert [t["id"] for t in archived["items"]] == [child["id"]]


def test_subtasks_take_the_list_s_filters(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann)
    done = create(client, ann, parent_task_id=parent["id"], status="done")
    create(client, ann, parent_task_id=parent["id"])
    listed = client.get(
        f"{TASKS}/{parent['id']}/subtasks", query_string={"status": "done"}, headers=ann.auth
    ).get_json()
    assert [t["id"] for t in listed["items"]] == [done["id"]]


def test_subtasks_page_with_a_cursor(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann)
    children = [create(client, ann, title=f"C{i}", parent_task_id=parent["id"]) for i in range(3)]
    url = f"{TASKS}/{parent['id']}/subtasks"
    first = client.get(url, query_string={"limit": 2}, headers=ann.auth)
    assert 'rel="next"' in first.headers["Link"]
    rest = client.get(
        url, query_string={"limit": 2, "cursor": first.get_json()["next_cursor"]}, headers=ann.auth
    ).get_json()
    seen = [t["id"] for t in first.get_json()["items"] + rest["items"]]
    assert seen == [c["id"] for c in reversed(children)]
    assert rest["next_cursor"] is None


def test_subtasks_of_a_missing_task_are_a_404(client, make_user) -> None:
    ann = make_user()
    problem(client.get(f"{TASKS}/{uuid.uuid4()}/subtasks", headers=ann.auth), 404)


def test_moving_a_subtask_to_another_parent_moves_it_between_lists(client, make_user) -> None:
    ann = make_user()
    first, second = create(client, ann), create(client, ann)
    child = create(client, ann, parent_task_id=first["id"])
    client.patch(f"{TASKS}/{child['id']}", json={"parent_task_id": second["id"]}, headers=ann.auth)
    under = {
        parent["id"]: [
            t["id"]
            for t in client.get(f"{TASKS}/{parent['id']}/subtasks", headers=ann.auth).get_json()[
                "items"
            ]
        ]
        for parent in (first, second)
    }
    assert under == {first["id"]: [], second["id"]: [child["id"]]}


def test_clearing_the_parent_makes_a_subtask_top_level(client, make_user) -> None:
    ann = make_user()
    parent = create(client, ann)
    child = create(client, ann, parent_task_id=parent["id"])
    client.patch(f"{TASKS}/{child['id']}", json={"parent_task_id": None}, headers=ann.auth)
    top = client.get(TASKS, query_string={"parent": "none"}, headers=ann.auth).get_json()
    assert child["id"] in {t["id"] for t in top["items"]}


def test_a_patch_of_the_assignees_adds_and_removes_in_one_version(
    client, make_user, outbox_rows
) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"assignee_ids": [str(cat.id)]}, headers=ann.auth
    ).get_json()
    assert (body["assignee_ids"], body["version"]) == ([str(cat.id)], 2)
    last_two = [(r.type, r.data["user_ids"]) for r in outbox_rows(task["id"])[-2:]]
    assert last_two == [
        ("tasks.task.unassigned.v1", [str(bob.id)]),
        ("tasks.task.assigned.v1", [str(cat.id)]),
    ]
