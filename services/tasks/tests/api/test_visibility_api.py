"""Who sees what: a task the caller may not see is a 404 (never a 403) on every route, and
indistinguishable from one that does not exist; seeing is not editing."""

from __future__ import annotations

import uuid
from typing import Any

TASKS = "/api/v1/tasks"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def not_found(response) -> dict[str, Any]:
    assert response.status_code == 404, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/not-found"
    return body


def test_a_hidden_task_answers_exactly_like_a_missing_one(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    hidden = not_found(client.get(f"{TASKS}/{task['id']}", headers=dan.auth))
    missing = not_found(client.get(f"{TASKS}/{uuid.uuid4()}", headers=dan.auth))
    assert hidden == missing


def test_a_stranger_s_put_is_a_404_and_changes_nothing(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    not_found(client.put(url, json={"title": "Mine now"}, headers=dan.auth))
    assert client.get(url, headers=ann.auth).get_json()["title"] == "A task"


def test_a_stranger_cannot_unassign_anyone(client, make_user) -> None:
    ann, bob, dan = make_user(), make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    not_found(client.delete(f"{TASKS}/{task['id']}/assign/{bob.id}", headers=dan.auth))


def test_a_stranger_cannot_edit_or_delete_a_comment_of_a_hidden_task(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    comment = client.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "private"}, headers=ann.auth
    ).get_json()
    url = f"{TASKS}/{task['id']}/comments/{comment['id']}"
    not_found(client.patch(url, json={"body": "x"}, headers=dan.auth))
    not_found(client.delete(url, headers=dan.auth))


def test_a_comment_id_under_another_task_is_a_404(client, make_user) -> None:
    ann = make_user()
    one, other = create(client, ann), create(client, ann)
    comment = client.post(
        f"{TASKS}/{one['id']}/comments", json={"body": "on one"}, headers=ann.auth
    ).get_json()
    url = f"{TASKS}/{other['id']}/comments/{comment['id']}"
    not_found(client.patch(url, json={"body": "moved?"}, headers=ann.auth))


def test_a_hidden_task_s_history_and_subtasks_are_404(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    not_found(client.get(f"{TASKS}/{task['id']}/history", headers=dan.auth))
    not_found(client.get(f"{TASKS}/{task['id']}/subtasks", headers=dan.auth))


def test_a_teammate_sees_and_comments_but_may_not_edit(client, make_user, make_team) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team))
    url = f"{TASKS}/{task['id']}"
    assert client.get(url, headers=cat.auth).status_code == 200
    assert client.post(f"{url}/comments", json={"body": "hi"}, headers=cat.auth).status_code == 201
    response = client.put(url, json={"title": "x"}, headers=cat.auth)
    assert response.status_code == 403
    assert response.get_json()["type"] == "/problems/forbidden"


def test_a_teammate_may_not_archive_or_restore(client, make_user, make_team) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team))
    url = f"{TASKS}/{task['id']}"
    assert client.delete(url, headers=cat.auth).status_code == 403
    client.delete(url, headers=ann.auth)
    assert client.post(f"{url}/restore", headers=cat.auth).status_code == 403


def test_an_assignee_removed_from_a_task_no_longer_sees_it(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    assert client.get(url, headers=bob.auth).status_code == 200
    client.delete(f"{url}/assign/{bob.id}", headers=ann.auth)
    not_found(client.get(url, headers=bob.auth))


def test_leaving_the_team_hides_its_tasks(client, make_user, deliver, build) -> None:
    ann, cat = make_user(), make_user()
    team_id = uuid.uuid4()
    deliver(
        build.event("users.team.created.v1", str(team_id), build.team(team_id, [ann.id, cat.id], 1))
    )
    task = create(client, ann, team_id=str(team_id))
    url = f"{TASKS}/{task['id']}"
    assert client.get(url, headers=cat.auth).status_code == 200
    deliver(build.event("users.team.updated.v1", str(team_id), build.team(team_id, [ann.id], 2)))
    not_found(client.get(url, headers=cat.auth))


def test_admins_see_edit_and_archive_anyone_s_task(client, make_user) -> None:
    ann, admin = make_user(), make_user("admin")
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assert client.patch(url, json={"title": "By admin"}, headers=admin.auth).status_code == 200
    assert client.delete(url, headers=admin.auth).status_code == 204


def test_a_manager_may_assign_on_anyone_s_task(client, make_user) -> None:
    ann, bob, boss = make_user(), make_user(), make_user("manager")
    task = create(client, ann)
    response = client.post(
        f"{TASKS}/{task['id']}/assign", json={"user_ids": [str(bob.id)]}, headers=boss.auth
    )
    assert response.status_code == 200
    assert response.get_json()["assignees"][0]["assigned_by"] == str(boss.id)


def test_subtasks_list_only_the_children_the_caller_sees(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    parent = create(client, ann, assignee_ids=[str(bob.id)])
    mine = create(client, ann, title="Ann's child", parent_task_id=parent["id"])
    create(client, bob, title="Bob's child", parent_task_id=parent["id"])
    listed = client.get(f"{TASKS}/{parent['id']}/subtasks", headers=ann.auth).get_json()
    assert [t["id"] for t in listed["items"]] == [mine["id"]]


def test_a_member_filtering_by_another_creator_sees_only_what_they_may(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    shared = create(client, bob, title="Shared", assignee_ids=[str(ann.id)])
    create(client, bob, title="Private")
    listed = client.get(TASKS, query_string={"created_by": str(bob.id)}, headers=ann.auth)
    assert [t["id"] for t in listed.get_json()["items"]] == [shared["id"]]


def test_a_caller_the_replica_does_not_know_yet_is_a_member(client, issuer) -> None:
    from auth_service.domain.model import Role as AuthRole
    from taskhive_shared.ids import uuid7

    newcomer = uuid7()
    token = issuer.issue(newcomer, AuthRole("admin"), uuid7()).token
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(TASKS, json={"title": "Early bird"}, headers=headers)
    assert created.status_code == 201
    listed = client.get(TASKS, headers=headers).get_json()["items"]
    # Not an admin until the replica says so: only their own task.
    assert [t["id"] for t in listed] == [created.get_json()["id"]]
