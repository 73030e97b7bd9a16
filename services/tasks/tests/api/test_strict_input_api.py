"""Unknown body fields and unknown query parameters are refused on every route with a 422
problem naming them; read-only fields cannot be set; nothing is written."""

from __future__ import annotations

import uuid
from typing import Any

TASKS = "/api/v1/tasks"
TAGS = "/api/v1/tags"
TEMPLATES = "/api/v1/task-templates"
NOTIFICATIONS = "/api/v1/notifications"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def refused(response, *names: str) -> dict[str, list[str]]:
    """A 422 problem whose errors name exactly these fields."""
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/validation"
    assert set(body["errors"]) == set(names)
    return body["errors"]


def template(client, user) -> dict[str, Any]:
    response = client.post(
        TEMPLATES, json={"name": f"T {uuid.uuid4().hex[:8]}", "title": "Do {x}"}, headers=user.auth
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


# --- bodies ----------------------------------------------------------------------------------


def test_every_unknown_field_of_a_create_is_named(client, make_user, row_counts) -> None:
    ann = make_user()
    before = row_counts()
    response = client.post(TASKS, json={"title": "x", "owner": 1, "rank": 2}, headers=ann.auth)
    errors = refused(response, "owner", "rank")
    assert errors["owner"] == ["Unknown field."]
    assert row_counts() == before


def test_an_unknown_field_of_a_put_is_named(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.put(
        f"{TASKS}/{task['id']}", json={"title": "x", "colour": "red"}, headers=ann.auth
    )
    refused(response, "colour")


def test_an_unknown_field_of_a_patch_is_named_and_the_rest_not_applied(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    refused(client.patch(url, json={"title": "New", "flavour": "x"}, headers=ann.auth), "flavour")
    assert client.get(url, headers=ann.auth).get_json()["title"] == "A task"


def test_read_only_task_fields_cannot_be_patched(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    body = {
        "id": str(uuid.uuid4()),
        "is_archived": True,
        "is_overdue": True,
        "created_at": "2020-01-01T00:00:00Z",
        "assignees": [],
    }
    response = client.patch(f"{TASKS}/{task['id']}", json=body, headers=ann.auth)
    refused(response, *body)


def test_an_unknown_field_of_an_assignment_is_named(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann)
    response = client.post(
        f"{TASKS}/{task['id']}/assign",
        json={"user_ids": [str(bob.id)], "notify": False},
        headers=ann.auth,
    )
    refused(response, "notify")


def test_an_unknown_field_of_a_new_comment_is_named(client, make_user, row_counts) -> None:
    ann = make_user()
    task = create(client, ann)
    before = row_counts()
    response = client.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "hi", "pinned": True}, headers=ann.auth
    )
    refused(response, "pinned")
    assert row_counts() == before


def test_an_unknown_field_of_a_comment_edit_is_named(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    comment = client.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "hi"}, headers=ann.auth
    ).get_json()
    response = client.patch(
        f"{TASKS}/{task['id']}/comments/{comment['id']}",
        json={"body": "edited", "version": 7},
        headers=ann.auth,
    )
    refused(response, "version")


def test_an_unknown_field_of_a_new_tag_is_named(client, make_user) -> None:
    ann = make_user()
    response = client.post(TAGS, json={"name": "x", "created_by": str(ann.id)}, headers=ann.auth)
    refused(response, "created_by")


def test_an_unknown_field_of_a_new_template_is_named(client, make_user) -> None:
    ann = make_user()
    body = {"name": "n", "title": "t", "status": "done"}
    refused(client.post(TEMPLATES, json=body, headers=ann.auth), "status")


def test_an_unknown_field_of_a_template_patch_is_named(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = client.patch(
        f"{TEMPLATES}/{created['id']}", json={"variables": ["y"]}, headers=ann.auth
    )
    refused(response, "variables")


def test_an_unknown_field_of_an_instantiation_is_named(client, make_user, row_counts) -> None:
    ann = make_user()
    created = template(client, ann)
    before = row_counts()
    response = client.post(
        f"{TEMPLATES}/{created['id']}/instantiate",
        json={"variables": {"x": "1"}, "title": "override"},
        headers=ann.auth,
    )
    refused(response, "title")
    assert row_counts() == before


def test_a_body_that_is_not_an_object_is_a_422(client, make_user) -> None:
    ann = make_user()
    response = client.post(TASKS, json=["title"], headers=ann.auth)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"


def test_an_idempotency_key_longer_than_255_characters_is_named(
    client, make_user, row_counts
) -> None:
    ann = make_user()
    before = row_counts()
    response = client.post(
        TASKS, json={"title": "x"}, headers=ann.headers(Idempotency_Key="k" * 256)
    )
    refused(response, "Idempotency-Key")
    assert row_counts() == before


# --- query parameters ------------------------------------------------------------------------


def test_an_unknown_parameter_of_the_task_list_is_named(client, make_user) -> None:
    ann = make_user()
    refused(client.get(TASKS, query_string={"colour": "red"}, headers=ann.auth), "query.colour")


def test_an_unknown_parameter_of_subtasks_is_named(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(
        f"{TASKS}/{task['id']}/subtasks", query_string={"depth": "2"}, headers=ann.auth
    )
    refused(response, "query.depth")


def test_an_unknown_parameter_of_comments_is_named(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(
        f"{TASKS}/{task['id']}/comments", query_string={"sort": "-created_at"}, headers=ann.auth
    )
    refused(response, "query.sort")


def test_an_unknown_parameter_of_history_is_named(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(
        f"{TASKS}/{task['id']}/history", query_string={"action": "created"}, headers=ann.auth
    )
    refused(response, "query.action")


def test_an_unknown_parameter_of_tags_is_named(client, make_user) -> None:
    ann = make_user()
    refused(client.get(TAGS, query_string={"colour": "#fff"}, headers=ann.auth), "query.colour")


def test_an_unknown_parameter_of_templates_is_named(client, make_user) -> None:
    ann = make_user()
    response = client.get(TEMPLATES, query_string={"owner": "me"}, headers=ann.auth)
    refused(response, "query.owner")


def test_an_unknown_parameter_of_notifications_is_named(client, make_user) -> None:
    ann = make_user()
    response = client.get(NOTIFICATIONS, query_string={"unread": "true"}, headers=ann.auth)
    refused(response, "query.unread")


def test_two_unknown_parameters_are_both_named(client, make_user) -> None:
    ann = make_user()
    response = client.get(TASKS, query_string={"a": "1", "b": "2"}, headers=ann.auth)
    refused(response, "query.a", "query.b")


# --- hostile query text: PostgreSQL cannot hold NUL, so it must be refused first (never a 500) --


def test_a_nul_character_in_the_search_is_a_422(client, make_user) -> None:
    ann = make_user()
    refused(client.get(TASKS, query_string={"q": "a\x00b"}, headers=ann.auth), "query.q")


def test_a_nul_character_in_a_tag_filter_is_a_422(client, make_user) -> None:
    ann = make_user()
    response = client.get(TASKS, query_string={"tag": ["ok", "a\x00b"]}, headers=ann.auth)
    refused(response, "query.tag")


def test_a_nul_character_in_a_subtask_search_is_a_422(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(
        f"{TASKS}/{task['id']}/subtasks", query_string={"q": "\x00"}, headers=ann.auth
    )
    refused(response, "query.q")


def test_a_nul_character_in_a_tag_search_is_a_422(client, make_user) -> None:
    ann = make_user()
    refused(client.get(TAGS, query_string={"q": "a\x00b"}, headers=ann.auth), "query.q")


def test_a_nul_character_in_a_template_search_is_a_422(client, make_user) -> None:
    ann = make_user()
    refused(client.get(TEMPLATES, query_string={"q": "\x00"}, headers=ann.auth), "query.q")
