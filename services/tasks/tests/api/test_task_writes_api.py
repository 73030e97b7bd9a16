"""Creating and changing a task through HTTP: defaults, PUT's replace semantics (only `title`
required, omitted fields back to their defaults, assignees kept), PATCH, story points."""

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


def history(client, user, task_id: str) -> list[dict[str, Any]]:
    return client.get(f"{TASKS}/{task_id}/history", headers=user.auth).get_json()["items"]


# --- POST ------------------------------------------------------------------------------------


def test_a_task_created_with_only_a_title_has_every_default(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, title="Bare")
    assert (task["status"], task["priority"], task["description"]) == ("todo", "medium", "")
    assert (task["due_date"], task["estimated_hours"], task["actual_hours"]) == (None, None, None)
    assert (task["story_points"], task["team_id"], task["parent_task_id"]) == (None, None, None)
    assert (task["metadata"], task["tags"], task["assignee_ids"]) == ({}, [], [])
    assert (task["is_archived"], task["is_overdue"], task["version"]) == (False, False, 1)


def test_a_new_task_may_start_in_any_status_reachable_from_todo(client, make_user) -> None:
    ann = make_user()
    assert create(client, ann, status="blocked")["status"] == "blocked"


def test_a_new_task_cannot_start_in_review(client, make_user) -> None:
    ann = make_user()
    body = problem(
        client.post(TASKS, json={"title": "x", "status": "in_review"}, headers=ann.auth), 422
    )
    assert list(body["errors"]) == ["status"]


def test_the_title_is_stripped_and_a_blank_one_refused(client, make_user) -> None:
    ann = make_user()
    assert create(client, ann, title="  Padded  ")["title"] == "Padded"
    body = problem(client.post(TASKS, json={"title": "   "}, headers=ann.auth), 422)
    assert list(body["errors"]) == ["title"]


def test_a_title_with_a_control_character_is_refused(client, make_user, row_counts) -> None:
    ann = make_user()
    before = row_counts()
    body = problem(client.post(TASKS, json={"title": "bell\x07"}, headers=ann.auth), 422)
    assert list(body["errors"]) == ["title"]
    assert row_counts() == before


def test_a_description_keeps_its_line_breaks(client, make_user) -> None:
    ann = make_user()
    assert create(client, ann, description="one\ntwo\tthree")["description"] == "one\ntwo\tthree"


def test_a_due_date_in_another_zone_is_served_in_utc(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, due_date="2030-06-01T12:00:00+02:00")
    assert task["due_date"] == "2030-06-01T10:00:00+00:00"


def test_hours_are_served_with_two_decimals(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, estimated_hours="2", actual_hours="0.5")
    assert (task["estimated_hours"], task["actual_hours"]) == ("2.00", "0.50")


def test_duplicate_tag_names_in_any_case_are_kept_once(client, make_user) -> None:
    ann = make_user()
    stem = uuid.uuid4().hex[:8]
    task = create(client, ann, tags=[f"{stem}-x", f"{stem}-X", f"  {stem}-x  "])
    assert task["tags"] == [f"{stem}-x"]


def test_more_than_twenty_tags_are_refused(client, make_user) -> None:
    ann = make_user()
    tags = [f"t{i}" for i in range(21)]
    body = problem(client.post(TASKS, json={"title": "x", "tags": tags}, headers=ann.auth), 422)
    assert list(body["errors"]) == ["tags"]


def test_a_deactivated_assignee_is_refused_at_creation(
    client, make_user, deactivate, row_counts
) -> None:
    ann, gone = make_user(), make_user()
    deactivate(gone)
    before = row_counts()
    response = client.post(
        TASKS, json={"title": "x", "assignee_ids": [str(gone.id)]}, headers=ann.auth
    )
    assert str(gone.id) in problem(response, 422)["errors"]["assignee_ids"][0]
    assert row_counts() == before


def test_a_deleted_team_cannot_be_named(client, make_user, deliver, build) -> None:
    boss = make_user("manager")
    team_id = uuid.uuid4()
    deliver(build.event("users.team.created.v1", str(team_id), build.team(team_id, [], 1)))
    gone = {
        "team_id": str(team_id),
        "name": "gone",
        "member_ids": [],
        "version": 2,
        "deleted_by": str(boss.id),
        "deleted_at": "2026-01-01T00:00:00+00:00",
    }
    deliver(build.event("users.team.deleted.v1", str(team_id), gone))
    response = client.post(TASKS, json={"title": "x", "team_id": str(team_id)}, headers=boss.auth)
    assert list(problem(response, 422)["errors"]) == ["team_id"]


def test_a_subtask_of_a_task_seen_through_the_team_is_allowed(client, make_user, make_team) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(ann, cat)
    parent = create(client, ann, team_id=str(team))
    child = create(client, cat, parent_task_id=parent["id"])
    assert child["parent_task_id"] == parent["id"]


# --- PUT -------------------------------------------------------------------------------------


def test_put_needs_only_the_title(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.put(f"{TASKS}/{task['id']}", json={"title": "Only"}, headers=ann.auth)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["title"] == "Only"


def test_put_without_a_title_is_refused_and_changes_nothing(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, description="kept")
    url = f"{TASKS}/{task['id']}"
    body = problem(client.put(url, json={"description": "lost"}, headers=ann.auth), 422)
    assert list(body["errors"]) == ["title"]
    assert client.get(url, headers=ann.auth).get_json()["description"] == "kept"


def test_put_resets_story_points_team_and_parent(client, make_user, make_team) -> None:
    ann = make_user()
    team = make_team(ann)
    parent = create(client, ann)
    task = create(client, ann, story_points=5, team_id=str(team), parent_task_id=parent["id"])
    body = client.put(f"{TASKS}/{task['id']}", json={"title": "T"}, headers=ann.auth).get_json()
    assert (body["story_points"], body["team_id"], body["parent_task_id"]) == (None, None, None)


def test_put_resets_actual_hours(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, actual_hours="2.5")
    body = client.put(f"{TASKS}/{task['id']}", json={"title": "T"}, headers=ann.auth).get_json()
    assert body["actual_hours"] is None


def test_put_keeps_the_assignees_when_it_does_not_name_them(client, make_user) -> None:
    ann, bob, cat = make_user(), make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id), str(cat.id)])
    body = client.put(f"{TASKS}/{task['id']}", json={"title": "T"}, headers=ann.auth).get_json()
    assert body["assignee_ids"] == [str(bob.id), str(cat.id)]


def test_put_with_an_empty_assignee_list_removes_them_all(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    body = client.put(url, json={"title": "T", "assignee_ids": []}, headers=ann.auth).get_json()
    assert body["assignee_ids"] == []
    assert history(client, ann, task["id"])[0]["action"] == "unassigned"


def test_put_by_an_assignee_may_replace_fields_but_not_the_assignees(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    task = create(client, ann, assignee_ids=[str(bob.id)])
    url = f"{TASKS}/{task['id']}"
    assert client.put(url, json={"title": "By Bob"}, headers=bob.auth).status_code == 200
    refused = client.put(url, json={"title": "x", "assignee_ids": []}, headers=bob.auth)
    problem(refused, 403)
    assert client.get(url, headers=ann.auth).get_json()["title"] == "By Bob"


def test_put_of_a_closed_task_without_a_status_follows_the_workflow(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, status="done")
    url = f"{TASKS}/{task['id']}"
    body = problem(client.put(url, json={"title": "Reopen?"}, headers=ann.auth), 409)
    assert body["type"] == "/problems/invalid-transition"
    assert client.get(url, headers=ann.auth).get_json()["title"] == "A task"


def test_put_of_the_same_representation_changes_nothing(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, title="Same")
    url = f"{TASKS}/{task['id']}"
    body = client.put(url, json={"title": "Same"}, headers=ann.auth).get_json()
    assert body["version"] == 1
    assert [h["action"] for h in history(client, ann, task["id"])] == ["created"]


def test_put_records_one_update_listing_every_reset_field(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, description="d", priority="high")
    client.put(f"{TASKS}/{task['id']}", json={"title": "T"}, headers=ann.auth)
    latest = history(client, ann, task["id"])[0]
    assert latest["action"] == "updated"
    assert set(latest["changes"]) == {"title", "description", "priority"}
    assert latest["changes"]["priority"] == {"old": "high", "new": "medium"}


# --- PATCH -----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_it_names(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, description="kept", priority="high", story_points=3)
    body = client.patch(f"{TASKS}/{task['id']}", json={"title": "New"}, headers=ann.auth).get_json()
    assert (body["title"], body["description"]) == ("New", "kept")
    assert (body["priority"], body["story_points"]) == ("high", 3)


def test_an_empty_patch_changes_nothing(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    body = client.patch(f"{TASKS}/{task['id']}", json={}, headers=ann.auth).get_json()
    assert (body["version"], body["updated_at"]) == (1, task["updated_at"])


def test_patch_may_clear_a_nullable_field_with_null(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, due_date="2030-01-01T00:00:00Z", estimated_hours="1")
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"due_date": None, "estimated_hours": None}, headers=ann.auth
    ).get_json()
    assert (body["due_date"], body["estimated_hours"]) == (None, None)


def test_patch_refuses_null_for_a_field_that_is_not_nullable(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = client.patch(f"{TASKS}/{task['id']}", json={"title": None}, headers=ann.auth)
    assert list(problem(response, 422)["errors"]) == ["title"]


def test_patch_of_status_and_fields_is_one_version(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    body = client.patch(
        f"{TASKS}/{task['id']}",
        json={"status": "in_progress", "priority": "urgent", "title": "Both"},
        headers=ann.auth,
    ).get_json()
    assert body["version"] == 2
    actions = [h["action"] for h in history(client, ann, task["id"])]
    assert actions == ["status_changed", "updated", "created"]


def test_patch_of_tags_in_another_letter_case_changes_nothing(client, make_user) -> None:
    ann = make_user()
    stem = uuid.uuid4().hex[:8]
    task = create(client, ann, tags=[f"{stem}-Ops"])
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"tags": [f"{stem}-OPS"]}, headers=ann.auth
    ).get_json()
    assert (body["tags"], body["version"]) == ([f"{stem}-Ops"], 1)


def test_patch_replaces_the_tag_set(client, make_user) -> None:
    ann = make_user()
    stem = uuid.uuid4().hex[:8]
    task = create(client, ann, tags=[f"{stem}-a", f"{stem}-b"])
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"tags": [f"{stem}-c"]}, headers=ann.auth
    ).get_json()
    assert body["tags"] == [f"{stem}-c"]


def test_patch_replaces_metadata_as_a_whole(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, metadata={"a": 1, "b": 2})
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"metadata": {"c": 3}}, headers=ann.auth
    ).get_json()
    assert body["metadata"] == {"c": 3}


def test_patch_moving_a_task_to_a_team_the_member_is_not_in_is_forbidden(
    client, make_user, make_team
) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(cat)
    task = create(client, ann)
    url = f"{TASKS}/{task['id']}"
    problem(client.patch(url, json={"team_id": str(team)}, headers=ann.auth), 403)
    assert client.get(url, headers=ann.auth).get_json()["team_id"] is None


def test_patch_reopens_a_done_task_into_progress(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, status="done")
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"status": "in_progress"}, headers=ann.auth
    ).get_json()
    assert body["status"] == "in_progress"


def test_a_refused_status_move_names_the_allowed_targets(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, status="cancelled")
    response = client.patch(f"{TASKS}/{task['id']}", json={"status": "done"}, headers=ann.auth)
    assert problem(response, 409)["errors"] == {"status": ["Allowed: todo."]}


def test_rescheduling_an_overdue_task_clears_the_flag(client, make_user, admin_engine) -> None:
    import sqlalchemy as sa

    ann = make_user()
    task = create(client, ann, due_date="2020-01-01T00:00:00Z")
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE tasks.tasks SET is_overdue = true WHERE id = :id"), {"id": task["id"]}
        )
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"due_date": "2099-01-01T00:00:00Z"}, headers=ann.auth
    ).get_json()
    assert body["is_overdue"] is False
    assert history(client, ann, task["id"])[0]["changes"]["is_overdue"] == {
        "old": True,
        "new": False,
    }


# --- story_points ----------------------------------------------------------------------------


def test_story_points_accept_both_bounds(client, make_user) -> None:
    ann = make_user()
    assert create(client, ann, story_points=0)["story_points"] == 0
    assert create(client, ann, story_points=100)["story_points"] == 100


def test_story_points_may_be_null_on_create(client, make_user) -> None:
    ann = make_user()
    assert create(client, ann, story_points=None)["story_points"] is None


def test_story_points_above_one_hundred_are_refused_on_create(
    client, make_user, row_counts
) -> None:
    ann = make_user()
    before = row_counts()
    response = client.post(TASKS, json={"title": "x", "story_points": 101}, headers=ann.auth)
    assert list(problem(response, 422)["errors"]) == ["story_points"]
    assert row_counts() == before


def test_story_points_are_cleared_by_a_patch_with_null(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann, story_points=8)
    body = client.patch(
        f"{TASKS}/{task['id']}", json={"story_points": None}, headers=ann.auth
    ).get_json()
    assert body["story_points"] is None


def test_story_points_given_to_put_are_kept(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    body = client.put(
        f"{TASKS}/{task['id']}", json={"title": "T", "story_points": 21}, headers=ann.auth
    ).get_json()
    assert body["story_points"] == 21


def test_story_points_travel_in_the_created_event(client, make_user, outbox_rows) -> None:
    ann = make_user()
    task = create(client, ann, story_points=3)
    assert outbox_rows(task["id"])[0].data["story_points"] == 3
