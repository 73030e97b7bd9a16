"""ETag, If-None-Match and If-Match on every resource that has a version: tasks (and their
restore, assign and unassign), comments and templates."""

from __future__ import annotations

import uuid
from typing import Any

TASKS = "/api/v1/tasks"
TEMPLATES = "/api/v1/task-templates"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def stale(response) -> dict[str, Any]:
    assert response.status_code == 412, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/stale-version"
    return body


def template(client, user) -> dict[str, Any]:
    response = client.post(
        TEMPLATES, json={"name": f"T {uuid.uuid4().hex[:8]}", "title": "Do it"}, headers=user.auth
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- tasks -----------------------------------------------------------------------------------


def test_a_304_has_no_body_and_repeats_the_etag(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(f"{TASKS}/{task['id']}", headers=ann.headers(If_None_Match='"v1"'))
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == '"v1"'


def test_an_older_etag_in_if_none_match_gets_the_full_task(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.patch(url, json={"title": "v2"}, headers=ann.auth)
    response = client.get(url, headers=ann.headers(If_None_Match='"v1"'))
    assert response.status_code == 200
    assert (response.headers["ETag"], response.get_json()["title"]) == ('"v2"', "v2")


def test_if_none_match_star_or_a_list_naming_the_etag_is_a_304(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assert client.get(url, headers=ann.headers(If_None_Match="*")).status_code == 304
    listed = ann.headers(If_None_Match='"v9", "v1"')
    assert client.get(url, headers=listed).status_code == 304


def test_put_with_a_stale_if_match_is_a_412_and_changes_nothing(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.patch(url, json={"title": "v2"}, headers=ann.auth)
    response = client.put(url, json={"title": "lost"}, headers=ann.headers(If_Match='"v1"'))
    stale(response)
    assert response.headers["ETag"] == '"v2"'
    assert client.get(url, headers=ann.auth).get_json()["title"] == "v2"


def test_put_with_the_current_if_match_succeeds(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.put(
        f"{TASKS}/{task['id']}", json={"title": "won"}, headers=ann.headers(If_Match='"v1"')
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v2"'


def test_if_match_star_writes_whatever_the_version(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.patch(url, json={"title": "v2"}, headers=ann.auth)
    response = client.patch(url, json={"title": "v3"}, headers=ann.headers(If_Match="*"))
    assert response.status_code == 200
    assert response.get_json()["version"] == 3


def test_if_match_naming_two_versions_is_a_412(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.patch(
        f"{TASKS}/{task['id']}", json={"title": "x"}, headers=ann.headers(If_Match='"v1", "v2"')
    )
    stale(response)


def test_delete_with_the_current_if_match_archives(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    assert client.delete(url, headers=ann.headers(If_Match='"v1"')).status_code == 204
    assert client.get(url, headers=ann.auth).get_json()["is_archived"] is True


def test_restore_with_a_stale_if_match_is_a_412(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.delete(url, headers=ann.auth)
    stale(client.post(f"{url}/restore", headers=ann.headers(If_Match='"v1"')))
    assert client.get(url, headers=ann.auth).get_json()["is_archived"] is True


def test_restore_answers_the_task_with_its_new_etag(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.delete(url, headers=ann.auth)
    response = client.post(f"{url}/restore", headers=ann.headers(If_Match='"v2"'))
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v3"'


def test_assign_with_a_stale_if_match_is_a_412(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    client.patch(url, json={"title": "v2"}, headers=ann.auth)
    response = client.post(
        f"{url}/assign", json={"user_ids": [str(bob.id)]}, headers=ann.headers(If_Match='"v1"')
    )
    stale(response)
    assert client.get(url, headers=ann.auth).get_json()["assignee_ids"] == []


def test_unassign_with_a_stale_if_match_is_a_412(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    client.patch(url, json={"title": "v2"}, headers=ann.auth)
    stale(client.delete(f"{url}/assign/{bob.id}", headers=ann.headers(If_Match='"v1"')))
    assert client.get(url, headers=ann.auth).get_json()["assignee_ids"] == [str(bob.id)]


# --- comments --------------------------------------------------------------------------------


def _comment(client, user, task_id: str, text: str = "first") -> dict[str, Any]:
    response = client.post(f"{TASKS}/{task_id}/comments", json={"body": text}, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"v1"'
    return response.get_json()


def test_a_comment_edit_with_the_current_if_match_gets_the_next_etag(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    comment = _comment(client, ann, task["id"])
    response = client.patch(
        f"{TASKS}/{task['id']}/comments/{comment['id']}",
        json={"body": "second"},
        headers=ann.headers(If_Match='"v1"'),
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v2"'


def test_a_comment_edit_with_a_stale_if_match_is_a_412(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    comment = _comment(client, ann, task["id"])
    url = f"{TASKS}/{task['id']}/comments/{comment['id']}"
    client.patch(url, json={"body": "second"}, headers=ann.auth)
    response = client.patch(url, json={"body": "third"}, headers=ann.headers(If_Match='"v1"'))
    stale(response)
    assert response.headers["ETag"] == '"v2"'


def test_a_comment_delete_with_a_stale_if_match_keeps_it(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    comment = _comment(client, ann, task["id"])
    url = f"{TASKS}/{task['id']}/comments/{comment['id']}"
    client.patch(url, json={"body": "second"}, headers=ann.auth)
    stale(client.delete(url, headers=ann.headers(If_Match='"v1"')))
    listed = client.get(f"{TASKS}/{task['id']}/comments", headers=ann.auth).get_json()
    assert [c["body"] for c in listed["items"]] == ["second"]


# --- templates -------------------------------------------------------------------------------


def test_a_template_answers_with_its_etag(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = client.get(f"{TEMPLATES}/{created['id']}", headers=ann.auth)
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_unchanged_template_is_a_304(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = client.get(f"{TEMPLATES}/{created['id']}", headers=ann.headers(If_None_Match='"v1"'))
    assert response.status_code == 304


def test_a_template_patch_with_the_current_if_match_succeeds(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = client.patch(
        f"{TEMPLATES}/{created['id']}",
        json={"priority": "low"},
        headers=ann.headers(If_Match='"v1"'),
    )
    assert response.status_code == 200
    assert response.headers["ETag"] == '"v2"'


def test_a_template_delete_with_a_stale_if_match_keeps_it(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    url = f"{TEMPLATES}/{created['id']}"
    client.patch(url, json={"priority": "low"}, headers=ann.auth)
    response = client.delete(url, headers=ann.headers(If_Match='"v1"'))
    stale(response)
    assert response.headers["ETag"] == '"v2"'
    assert client.get(url, headers=ann.auth).status_code == 200


# --- preconditions never reveal a task the caller may not see --------------------------------


def test_if_none_match_on_a_hidden_task_is_a_404_not_a_304(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    response = client.get(f"{TASKS}/{task['id']}", headers=dan.headers(If_None_Match='"v1"'))
    assert response.status_code == 404


def test_a_stale_if_match_on_a_hidden_task_is_a_404_not_a_412(client, make_user) -> None:
    ann, dan = make_user(), make_user()
    task = create(client, ann)
    response = client.patch(
        f"{TASKS}/{task['id']}", json={"title": "x"}, headers=dan.headers(If_Match='"v7"')
    )
    assert response.status_code == 404
    assert "ETag" not in response.headers
