"""The task routes: create, read, update, archive/restore, assign, permissions (404, not 403),
conditional requests, Idempotency-Key, and bad input that writes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

TASKS = "/api/v1/tasks"


def create(client, user, status: int = 201, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()


def test_create_returns_the_task_with_etag_location_and_history(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    response = client.post(
        TASKS,
        json={
            "title": "Ship release",
            "description": "All of it",
            "priority": "high",
            "due_date": "2030-01-01T09:00:00Z",
            "estimated_hours": "3.5",
            "metadata": {"source": "api", "n": [1, 2]},
            "tags": ["Release", "ops"],
            "assignee_ids": [str(bob.id)],
        },
        headers=ann.auth,
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Location"].endswith(f"/api/v1/tasks/{task['id']}")
    assert task["status"] == "todo"
    assert task["estimated_hours"] == "3.50"
    assert task["due_date"] == "2030-01-01T09:00:00+00:00"
    assert task["metadata"] == {"source": "api", "n": [1, 2]}
    assert task["tags"] == ["ops", "Release"]
    assert task["created_by"] == str(ann.id)
    assert task["assignee_ids"] == [str(bob.id)]
    [assignee] = task["assignees"]
    assert (assignee["username"], assignee["assigned_by"]) == (bob.username, str(ann.id))
    history = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()
    [created] = history["items"]
    assert created["action"] == "created"
    assert created["changes"]["title"] == {"old": None, "new": "Ship release"}
    assert created["changes"]["assignee_ids"] == {"old": [], "new": [str(bob.id)]}


def test_visibility_creator_assignee_team_staff_but_not_strangers(
    client, make_user, make_team
) -> None:
    ann, bob, cat, dan = make_user(), make_user(), make_user(), make_user()
    boss, admin = make_user("manager"), make_user("admin")
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team), assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    for viewer in (ann, bob, cat, boss, admin):
        assert client.get(url, headers=viewer.auth).status_code == 200
    body = problem(client.get(url, headers=dan.auth), 404)
    assert body["type"] == "/problems/not-found"
    problem(client.patch(url, json={"title": "x"}, headers=dan.auth), 404)
    problem(client.delete(url, headers=dan.auth), 404)
    problem(client.get(f"{url}/history", headers=dan.auth), 404)
    problem(client.get(f"{url}/comments", headers=dan.auth), 404)
    problem(client.post(f"{url}/comments", json={"body": "hi"}, headers=dan.auth), 404)
    problem(client.post(f"{url}/assign", json={"user_ids": [str(dan.id)]}, headers=dan.auth), 404)
    problem(client.post(f"{url}/restore", headers=dan.auth), 404)
    problem(client.get(f"{url}/subtasks", headers=dan.auth), 404)
    ids = {t["id"] for t in client.get(TASKS, headers=dan.auth).get_json()["items"]}
    assert task["id"] not in ids
    for viewer in (cat, bob, boss):
        listed = client.get(TASKS, query_string={"limit": 100}, headers=viewer.auth).get_json()
        assert task["id"] in {t["id"] for t in listed["items"]}


def test_edit_and_manage_rights(client, make_user, make_team) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    boss = make_user("manager")
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team), assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    assert client.patch(url, json={"title": "By assignee"}, headers=bob.auth).status_code == 200
    body = problem(client.patch(url, json={"title": "By teammate"}, headers=cat.auth), 403)
    assert body["type"] == "/problems/forbidden"
    problem(client.patch(url, json={"assignee_ids": []}, headers=bob.auth), 403)
    problem(client.delete(url, headers=bob.auth), 403)
    problem(client.post(f"{url}/assign", json={"user_ids": [str(cat.id)]}, headers=bob.auth), 403)
    assert client.patch(url, json={"priority": "urgent"}, headers=boss.auth).status_code == 200
    assert client.delete(url, headers=boss.auth).status_code == 204


def test_status_workflow_and_its_history_and_events(client, make_user, outbox_rows) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    moved = client.patch(url, json={"status": "done", "title": "Renamed"}, headers=ann.auth)
    assert moved.status_code == 200
    assert moved.get_json()["version"] == 2
    body = problem(client.patch(url, json={"status": "blocked"}, headers=ann.auth), 409)
    assert body["type"] == "/problems/invalid-transition"
    assert "in_progress" in body["detail"]
    assert body["errors"] == {"status": ["Allowed: in_progress."]}
    history = client.get(f"{url}/history", headers=ann.auth).get_json()["items"]
    assert [h["action"] for h in history] == ["status_changed", "updated", "created"]
    assert history[0]["changes"] == {"status": {"old": "todo", "new": "done"}}
    assert history[1]["changes"] == {"title": {"old": "A task", "new": "Renamed"}}
    types = [row.type for row in outbox_rows(task["id"])]
    assert types == [
        "tasks.task.created.v1",
        "tasks.task.updated.v1",
        "tasks.task.status_changed.v1",
    ]
    status_changed = outbox_rows(task["id"])[-1].data
    assert (status_changed["old_status"], status_changed["new_status"]) == ("todo", "done")
    assert status_changed["version"] == 2


def test_put_replaces_every_field(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, description="old", tags=["x"], metadata={"a": 1})
    full = {
        "title": "New",
        "description": "",
        "status": "in_progress",
        "priority": "low",
        "due_date": None,
        "estimated_hours": None,
        "actual_hours": "1.25",
        "team_id": None,
        "parent_task_id": None,
        "metadata": {},
        "tags": [],
        "assignee_ids": [str(bob.id)],
    }
    response = client.put(f"{TASKS}/{task['id']}", json=full, headers=ann.auth)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["description"], body["tags"], body["metadata"]) == ("", [], {})
    assert (body["actual_hours"], body["assignee_ids"]) == ("1.25", [str(bob.id)])
    missing = {k: v for k, v in full.items() if k != "title"}
    errors = problem(client.put(f"{TASKS}/{task['id']}", json=missing, headers=ann.auth), 422)
    assert list(errors["errors"]) == ["title"]


def test_put_resets_every_omitted_field_to_its_default(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(
        client,
        ann,
        description="old",
        priority="urgent",
        tags=["x"],
        metadata={"a": 1},
        estimated_hours="3.00",
        due_date="2030-01-01T00:00:00+00:00",
        assignee_ids=[str(bob.id)],
    )
    sent = {"title": "Only the title", "status": "in_progress"}
    response = client.put(f"{TASKS}/{task['id']}", json=sent, headers=ann.auth)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["title"], body["status"]) == ("Only the title", "in_progress")
    assert (body["description"], body["priority"], body["tags"], body["metadata"]) == (
        "",
        "medium",
        [],
        {},
    )
    assert (body["estimated_hours"], body["due_date"]) == (None, None)
    # Assignees are not a field of the representation PUT replaces: they stay.
    assert body["assignee_ids"] == [str(bob.id)]
    # Status too returns to its default, within the workflow.
    again = client.put(
        f"{TASKS}/{task['id']}", json={"title": "Back to todo"}, headers=ann.auth
    ).get_json()
    assert again["status"] == "todo"


def test_put_of_title_description_priority_and_status_is_accepted(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, tags=["keep?"])
    sent = {"title": "T", "description": "D", "priority": "high", "status": "in_progress"}
    response = client.put(f"{TASKS}/{task['id']}", json=sent, headers=ann.auth)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["tags"] == []


def test_etag_304_and_if_match_412(client, make_user, row_counts) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    first = client.get(url, headers=ann.auth)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert client.get(url, headers=ann.headers(If_None_Match=etag)).status_code == 304
    updated = client.patch(url, json={"title": "v2"}, headers=ann.headers(If_Match=etag))
    assert updated.headers["ETag"] == '"v2"'
    before = row_counts()
    stale = client.patch(url, json={"title": "lost"}, headers=ann.headers(If_Match=etag))
    assert problem(stale, 412)["type"] == "/problems/stale-version"
    assert stale.headers["ETag"] == '"v2"'
    problem(client.delete(url, headers=ann.headers(If_Match=etag)), 412)
    problem(client.patch(url, json={"title": "x"}, headers=ann.headers(If_Match='W/"x"')), 412)
    assert row_counts() == before
    assert client.get(url, headers=ann.auth).get_json()["title"] == "v2"


def test_idempotent_post_replays_and_refuses_another_body(client, make_user, row_counts) -> None:
    ann = make_user()
    key = uuid.uuid4().hex
    headers = ann.headers(Idempotency_Key=key)
    first = client.post(TASKS, json={"title": "Once"}, headers=headers)
    before = row_counts()
    again = client.post(TASKS, json={"title": "Once"}, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert row_counts() == before
    other = client.post(TASKS, json={"title": "Twice"}, headers=headers)
    assert problem(other, 422)["type"] == "/problems/idempotency-key-reused"
    problem(client.post(TASKS, json={"title": "x"}, headers=ann.headers(Idempotency_Key=" ")), 422)
    assert row_counts() == before
    # Another user's identical key is theirs alone.
    bob = make_user()
    theirs = client.post(TASKS, json={"title": "Once"}, headers=bob.headers(Idempotency_Key=key))
    assert theirs.get_json()["id"] != first.get_json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "ok", "owner": "me"}, "owner"),
        ({"title": "ok", "created_by": str(uuid.uuid4())}, "created_by"),
        ({"title": "ok", "version": 9}, "version"),
        ({"title": "ok", "status": "finished"}, "status"),
        ({"title": "ok", "priority": "asap"}, "priority"),
        ({"title": "t" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"description": "no title"}, "title"),
        ({"title": "ok", "metadata": {"blob": "x" * 16_500}}, "metadata"),
        ({"title": "ok", "metadata": [1]}, "metadata"),
        ({"title": "ok", "estimated_hours": "-1"}, "estimated_hours"),
        ({"title": "ok", "estimated_hours": "1.001"}, "estimated_hours"),
        ({"title": "ok", "due_date": "2030-01-01T09:00:00"}, "due_date"),
        ({"title": "ok", "assignee_ids": [str(uuid.uuid4())]}, "assignee_ids"),
        ({"title": "ok", "team_id": str(uuid.uuid4())}, "team_id"),
        ({"title": "ok", "parent_task_id": str(uuid.uuid4())}, "parent_task_id"),
        ({"title": "ok", "status": "in_review"}, "status"),
        ({"title": "ok", "tags": ["a,b"]}, "tags"),
    ],
)
def test_bad_input_is_a_422_problem_and_writes_nothing(
    client, make_user, row_counts, body, field
) -> None:
    ann = make_user()
    before = row_counts()
    response = client.post(TASKS, json=body, headers=ann.auth)
    assert problem(response, 422)["errors"].keys() >= {field}
    assert row_counts() == before


def test_malformed_json_and_missing_token(client, make_user) -> None:
    ann = make_user()
    response = client.post(
        TASKS, data="{not json", headers=ann.auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert problem(client.get(TASKS), 401)["type"] == "/problems/unauthorized"
    problem(client.get(TASKS, headers={"Authorization": "Bearer forged"}), 401)


def test_deactivated_callers_are_refused(client, make_user, deactivate) -> None:
    ann = make_user()
    deactivate(ann)
    assert problem(client.get(TASKS, headers=ann.auth), 403)["type"] == (
        "/problems/account-deactivated"
    )


def test_members_file_tasks_only_under_their_teams(client, make_user, make_team) -> None:
    ann, cat = make_user(), make_user()
    boss = make_user("manager")
    team = make_team(cat)
    problem(client.post(TASKS, json={"title": "x", "team_id": str(team)}, headers=ann.auth), 403)
    create(client, boss, team_id=str(team))
    create(client, cat, team_id=str(team))


def test_archive_restore_and_archived_is_read_only(client, make_user, outbox_rows) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assert client.delete(url, headers=ann.auth).status_code == 204
    assert client.delete(url, headers=ann.auth).status_code == 204
    archived = client.get(url, headers=ann.auth).get_json()
    assert archived["is_archived"] is True
    assert archived["archived_at"] is not None
    assert problem(client.patch(url, json={"title": "x"}, headers=ann.auth), 409)["type"] == (
        "/problems/task-archived"
    )
    problem(client.post(f"{url}/comments", json={"body": "x"}, headers=ann.auth), 409)
    listed = client.get(TASKS, query_string={"limit": 100}, headers=ann.auth).get_json()
    assert task["id"] not in {t["id"] for t in listed["items"]}
    only_archived = client.get(TASKS, query_string={"archived": "true"}, headers=ann.auth)
    assert task["id"] in {t["id"] for t in only_archived.get_json()["items"]}
    restored = client.post(f"{url}/restore", headers=ann.auth)
    assert restored.status_code == 200
    assert restored.get_json()["is_archived"] is False
    assert restored.get_json()["version"] == 3
    types = [row.type for row in outbox_rows(task["id"])]
    assert types[-2:] == ["tasks.task.archived.v1", "tasks.task.restored.v1"]


def test_assign_and_unassign(client, make_user, deactivate, outbox_rows) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assigned = client.post(
        f"{url}/assign", json={"user_ids": [str(bob.id), str(cat.id)]}, headers=ann.auth
    )
    assert assigned.status_code == 200
    assert set(assigned.get_json()["assignee_ids"]) == {str(bob.id), str(cat.id)}
    again = client.post(f"{url}/assign", json={"user_ids": [str(bob.id)]}, headers=ann.auth)
    assert again.get_json()["version"] == assigned.get_json()["version"]
    removed = client.delete(f"{url}/assign/{bob.id}", headers=ann.auth)
    assert removed.status_code == 204
    assert removed.headers["ETag"] == '"v3"'
    problem(client.delete(f"{url}/assign/{bob.id}", headers=ann.auth), 404)
    gone = make_user()
    deactivate(gone)
    problem(client.post(f"{url}/assign", json={"user_ids": [str(gone.id)]}, headers=ann.auth), 422)
    problem(client.post(f"{url}/assign", json={"user_ids": []}, headers=ann.auth), 422)
    rows = outbox_rows(task["id"])
    assert [r.type for r in rows][1:] == ["tasks.task.assigned.v1", "tasks.task.unassigned.v1"]
    assert rows[1].data["user_ids"] == [str(bob.id), str(cat.id)]
    assert rows[2].data["user_ids"] == [str(bob.id)]
    assert rows[2].data["assignee_ids"] == [str(cat.id)]
    history = client.get(f"{url}/history", headers=ann.auth).get_json()["items"]
    assert [h["action"] for h in history[:2]] == ["unassigned", "assigned"]


def test_subtasks_follow_visibility_and_refuse_cycles(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    parent = create(client, ann, title="Parent")
    child = create(client, ann, title="Child", parent_task_id=parent["id"])
    grandchild = create(client, ann, title="Grandchild", parent_task_id=child["id"])
    subtasks = client.get(f"{TASKS}/{parent['id']}/subtasks", headers=ann.auth).get_json()
    assert [t["id"] for t in subtasks["items"]] == [child["id"]]
    cycle = client.patch(
        f"{TASKS}/{parent['id']}", json={"parent_task_id": grandchild["id"]}, headers=ann.auth
    )
    assert "parent_task_id" in problem(cycle, 422)["errors"]
    itself = client.patch(
        f"{TASKS}/{parent['id']}", json={"parent_task_id": parent["id"]}, headers=ann.auth
    )
    problem(itself, 422)
    hidden = client.post(
        TASKS, json={"title": "Sneaky", "parent_task_id": parent["id"]}, headers=dan.auth
    )
    assert "parent_task_id" in problem(hidden, 422)["errors"]
    top = client.get(TASKS, query_string={"parent": "none", "limit": 100}, headers=ann.auth)
    ids = {t["id"] for t in top.get_json()["items"]}
    assert parent["id"] in ids
    assert child["id"] not in ids


def test_comments_page_edit_and_delete(client, make_user, make_team, outbox_rows) -> None:
    ann, cat = make_user(), make_user()
    boss = make_user("manager")
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team))
    url = f"{TASKS}/{task['id']}/comments"
    posted = [
        client.post(url, json={"body": f"Comment {i}"}, headers=cat.auth).get_json()
        for i in range(3)
    ]
    assert posted[0]["author_username"] == cat.username
    page = client.get(url, query_string={"limit": 2}, headers=ann.auth)
    body = page.get_json()
    assert [c["body"] for c in body["items"]] == ["Comment 0", "Comment 1"]
    assert 'rel="next"' in page.headers["Link"]
    rest = client.get(url, query_string={"cursor": body["next_cursor"]}, headers=ann.auth)
    assert [c["body"] for c in rest.get_json()["items"]] == ["Comment 2"]
    comment_url = f"{url}/{posted[0]['id']}"
    problem(client.patch(comment_url, json={"body": "Hijack"}, headers=ann.auth), 403)
    edited = client.patch(comment_url, json={"body": "Edited"}, headers=cat.auth).get_json()
    assert (edited["body"], edited["edited"], edited["version"]) == ("Edited", True, 2)
    problem(client.delete(comment_url, headers=ann.auth), 403)
    assert client.delete(comment_url, headers=boss.auth).status_code == 204
    problem(client.delete(comment_url, headers=cat.auth), 404)
    problem(client.post(url, json={"body": ""}, headers=cat.auth), 422)
    problem(client.post(url, json={"body": "x", "author_id": str(ann.id)}, headers=cat.auth), 422)
    history = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"]
    assert [h["action"] for h in history[:2]] == ["comment_deleted", "comment_edited"]
    commented = [r for r in outbox_rows(task["id"]) if r.type == "tasks.task.commented.v1"]
    assert len(commented) == 3
    assert commented[0].data["actor_id"] == str(cat.id)
    assert commented[0].data["comment_excerpt"] == "Comment 0"


def test_history_pages_newest_first(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    for i in range(3):
        client.patch(url, json={"title": f"Title {i}"}, headers=ann.auth)
    first = client.get(f"{url}/history", query_string={"limit": 2}, headers=ann.auth).get_json()
    assert [h["changes"]["title"]["new"] for h in first["items"]] == ["Title 2", "Title 1"]
    rest = client.get(
        f"{url}/history", query_string={"cursor": first["next_cursor"]}, headers=ann.auth
    ).get_json()
    assert [h["action"] for h in rest["items"]] == ["updated", "created"]
    assert rest["next_cursor"] is None
    problem(client.get(f"{url}/history", query_string={"cursor": "nope"}, headers=ann.auth), 422)
    problem(client.get(f"{url}/history", query_string={"extra": "1"}, headers=ann.auth), 422)


def test_unknown_routes_and_methods_are_problems(client, make_user) -> None:
    ann = make_user()
    problem(client.get(f"{TASKS}/not-a-uuid", headers=ann.auth), 404)
    problem(client.get(f"{TASKS}/{uuid.uuid4()}", headers=ann.auth), 404)
    problem(client.post(f"{TASKS}/{uuid.uuid4()}", headers=ann.auth), 405)


def test_openapi_and_health(client) -> None:
    document = client.get("/api/v1/tasks/openapi.json").get_json()
    assert {"/api/v1/tasks/", "/api/v1/tags/", "/api/v1/task-templates/"} <= set(document["paths"])
    assert client.get("/livez").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_story_points_are_set_validated_reset_by_put_and_published(
    client, make_user, outbox_rows
) -> None:
    ann = make_user()
    task = create(client, ann, story_points=8)
    assert task["story_points"] == 8
    for bad in (-1, 101, 2.5, "8", True):
        errors = problem(
            client.patch(f"{TASKS}/{task['id']}", json={"story_points": bad}, headers=ann.auth),
            422,
        )
        assert list(errors["errors"]) == ["story_points"]
    patched = client.patch(f"{TASKS}/{task['id']}", json={"story_points": 13}, headers=ann.auth)
    assert patched.get_json()["story_points"] == 13
    updated = outbox_rows(task["id"])[-1].data
    assert updated["story_points"] == 13
    assert updated["changes"] == {"story_points": {"old": 8, "new": 13}}
    replaced = client.put(f"{TASKS}/{task['id']}", json={"title": "T"}, headers=ann.auth)
    assert replaced.get_json()["story_points"] is None
