"""Comments (who adds, edits and deletes them, per role) and the history log (paging)."""

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


def comment(client, user, task_id: str, text: str = "Hello") -> dict[str, Any]:
    response = client.post(f"{TASKS}/{task_id}/comments", json={"body": text}, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def comments_of(client, user, task_id: str) -> list[str]:
    items = client.get(f"{TASKS}/{task_id}/comments", headers=user.auth).get_json()["items"]
    return [c["body"] for c in items]


# --- comments --------------------------------------------------------------------------------


def test_an_assignee_comments_with_their_name_on_it(client, make_user) -> None:
    ann = make_user()
    bob = make_user(display_name="Bob Builder")
    task = create(client, ann, assignee_ids=[str(bob.id)])
    body = comment(client, bob, task["id"])
    assert (body["author_id"], body["author_username"]) == (str(bob.id), bob.username)
    assert body["author_display_name"] == "Bob Builder"
    assert (body["edited"], body["version"]) == (False, 1)


def test_a_comment_leaves_the_task_s_version_alone(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    comment(client, ann, task["id"])
    assert client.get(f"{TASKS}/{task['id']}", headers=ann.auth).headers["ETag"] == '"v1"'


def test_a_comment_body_is_stripped(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    assert comment(client, ann, task["id"], "  padded \n")["body"] == "padded"


def test_a_blank_comment_is_refused(client, make_user, row_counts) -> None:
    ann = make_user()
    task = create(client, ann)
    before = row_counts()
    response = client.post(
        f"{TASKS}/{task['id']}/comments", json={"body": " \n "}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["body"]
    assert row_counts() == before


def test_a_comment_longer_than_ten_thousand_characters_is_refused(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.post(
        f"{TASKS}/{task['id']}/comments", json={"body": "x" * 10_001}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["body"]


def test_commenting_on_a_missing_task_is_a_404(client, make_user) -> None:
    ann = make_user()
    response = client.post(f"{TASKS}/{uuid.uuid4()}/comments", json={"body": "x"}, headers=ann.auth)
    problem(response, 404)


def test_a_deactivated_user_cannot_comment(client, make_user, deactivate) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    deactivate(bob)
    response = client.post(f"{TASKS}/{task['id']}/comments", json={"body": "x"}, headers=bob.auth)
    assert problem(response, 403)["type"] == "/problems/account-deactivated"


def test_the_author_edits_their_comment(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    posted = comment(client, ann, task["id"], "draft")
    response = client.patch(
        f"{TASKS}/{task['id']}/comments/{posted['id']}", json={"body": "final"}, headers=ann.auth
    )
    body = response.get_json()
    assert (body["body"], body["edited"]) == ("final", True)
    assert body["updated_at"] > body["created_at"]


def test_an_edit_to_the_same_text_changes_nothing(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    posted = comment(client, ann, task["id"], "same")
    body = client.patch(
        f"{TASKS}/{task['id']}/comments/{posted['id']}", json={"body": "same"}, headers=ann.auth
    ).get_json()
    assert (body["version"], body["edited"]) == (1, False)
    history = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"]
    assert [h["action"] for h in history] == ["commented", "created"]


def test_a_manager_may_not_edit_someone_else_s_comment(client, make_user) -> None:
    ann, boss = make_user(), make_user("manager")
    task = create(client, ann)
    posted = comment(client, ann, task["id"])
    response = client.patch(
        f"{TASKS}/{task['id']}/comments/{posted['id']}", json={"body": "x"}, headers=boss.auth
    )
    assert problem(response, 403)["type"] == "/problems/forbidden"


def test_an_admin_may_delete_anyone_s_comment(client, make_user) -> None:
    ann, admin = make_user(), make_user("admin")
    task = create(client, ann)
    posted = comment(client, ann, task["id"])
    url = f"{TASKS}/{task['id']}/comments/{posted['id']}"
    assert client.delete(url, headers=admin.auth).status_code == 204
    assert comments_of(client, ann, task["id"]) == []


def test_the_task_s_creator_may_not_delete_a_teammate_s_comment(
    client, make_user, make_team
) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(ann, cat)
    task = create(client, ann, team_id=str(team))
    posted = comment(client, cat, task["id"], "mine")
    problem(client.delete(f"{TASKS}/{task['id']}/comments/{posted['id']}", headers=ann.auth), 403)
    assert comments_of(client, ann, task["id"]) == ["mine"]


def test_the_author_deletes_their_comment(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    posted = comment(client, ann, task["id"])
    url = f"{TASKS}/{task['id']}/comments/{posted['id']}"
    assert client.delete(url, headers=ann.auth).status_code == 204
    assert comments_of(client, ann, task["id"]) == []


def test_a_comment_edit_records_the_old_and_new_text(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    posted = comment(client, ann, task["id"], "before")
    client.patch(
        f"{TASKS}/{task['id']}/comments/{posted['id']}", json={"body": "after"}, headers=ann.auth
    )
    latest = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"][0]
    assert latest["action"] == "comment_edited"
    assert latest["changes"]["body"] == {"old": "before", "new": "after"}


def test_the_commented_event_cuts_the_excerpt_at_500_characters(
    client, make_user, outbox_rows
) -> None:
    ann = make_user()
    task = create(client, ann)
    comment(client, ann, task["id"], "y" * 600)
    [commented] = [r for r in outbox_rows(task["id"]) if r.type == "tasks.task.commented.v1"]
    assert commented.data["comment_excerpt"] == "y" * 500


def test_a_bad_comments_cursor_is_a_422(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.get(
        f"{TASKS}/{task['id']}/comments", query_string={"cursor": "abc"}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["cursor"]


# --- history ---------------------------------------------------------------------------------


def test_history_pages_one_entry_at_a_time_to_the_end(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    for i in range(3):
        client.patch(url, json={"title": f"T{i}"}, headers=ann.auth)
    seen, cursor = [], None
    for _ in range(10):
        query = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"{url}/history", query_string=query, headers=ann.auth).get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [h["action"] for h in seen] == ["updated", "updated", "updated", "created"]
    assert len({h["id"] for h in seen}) == 4


def test_a_history_page_links_to_the_next_one(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    client.patch(f"{TASKS}/{task['id']}", json={"title": "v2"}, headers=ann.auth)
    response = client.get(
        f"{TASKS}/{task['id']}/history", query_string={"limit": 1}, headers=ann.auth
    )
    cursor = response.get_json()["next_cursor"]
    assert response.headers["Link"].endswith(f'cursor={cursor}>; rel="next"')
    assert "limit=1" in response.headers["Link"]


def test_history_limits_outside_one_to_one_hundred_are_refused(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    for limit in (0, 101):
        response = client.get(
            f"{TASKS}/{task['id']}/history", query_string={"limit": limit}, headers=ann.auth
        )
        assert response.status_code == 422


def test_a_comments_cursor_is_refused_by_the_history(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    for i in range(2):
        comment(client, ann, task["id"], f"c{i}")
    cursor = client.get(
        f"{TASKS}/{task['id']}/comments", query_string={"limit": 1}, headers=ann.auth
    ).get_json()["next_cursor"]
    response = client.get(
        f"{TASKS}/{task['id']}/history", query_string={"cursor": cursor}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["cursor"]


def test_every_history_entry_names_its_actor(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    client.patch(f"{TASKS}/{task['id']}", json={"status": "in_progress"}, headers=bob.auth)
    items = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"]
    assert [(h["action"], h["actor_id"]) for h in items] == [
        ("status_changed", str(bob.id)),
        ("created", str(ann.id)),
    ]


def test_the_history_of_a_missing_task_is_a_404(client, make_user) -> None:
    ann = make_user()
    problem(client.get(f"{TASKS}/{uuid.uuid4()}/history", headers=ann.auth), 404)


def test_comments_of_an_archived_task_can_be_neither_edited_nor_deleted(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    posted = comment(client, ann, task["id"], "frozen")
    client.delete(f"{TASKS}/{task['id']}", headers=ann.auth)
    url = f"{TASKS}/{task['id']}/comments/{posted['id']}"
    assert problem(client.patch(url, json={"body": "x"}, headers=ann.auth), 409)["type"] == (
        "/problems/task-archived"
    )
    problem(client.delete(url, headers=ann.auth), 409)
    assert comments_of(client, ann, task["id"]) == ["frozen"]


def test_the_history_of_a_put_records_the_metadata_it_reset(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, metadata={"a": 1})
    client.put(f"{TASKS}/{task['id']}", json={"title": "A task"}, headers=ann.auth)
    latest = client.get(f"{TASKS}/{task['id']}/history", headers=ann.auth).get_json()["items"][0]
    assert latest["changes"] == {"metadata": {"old": {"a": 1}, "new": {}}}
