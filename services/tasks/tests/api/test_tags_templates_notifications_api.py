"""Tags, task templates (with instantiation and Idempotency-Key) and the notification log
through HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from taskhive_shared.ids import uuid7
from tasks_service.application.notifications.ports import NewNotification
from tasks_service.domain.notifications import NotificationType

TASKS = "/api/v1/tasks"
TAGS = "/api/v1/tags"
TEMPLATES = "/api/v1/task-templates"
NOTIFICATIONS = "/api/v1/notifications"


def problem(response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_json()
    assert response.content_type == "application/problem+json"
    return response.get_json()


def stem() -> str:
    return uuid.uuid4().hex[:10]


def tag(client, user, name: str, **body: Any) -> dict[str, Any]:
    response = client.post(TAGS, json={"name": name} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def template(client, user, **body: Any) -> dict[str, Any]:
    payload = {"name": f"Template {stem()}", "title": "Do {thing}"} | body
    response = client.post(TEMPLATES, json=payload, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def instantiate(client, user, template_id: str, headers=None, **body: Any):
    return client.post(
        f"{TEMPLATES}/{template_id}/instantiate",
        json={"variables": {"thing": "it"}} | body,
        headers=headers or user.auth,
    )


# --- tags ------------------------------------------------------------------------------------


def test_a_new_tag_has_the_default_colour_and_its_creator(client, make_user) -> None:
    ann = make_user()
    created = tag(client, ann, f"plain-{stem()}")
    assert (created["colour"], created["created_by"]) == ("#6b7280", str(ann.id))


def test_a_tag_name_s_spaces_are_trimmed_and_collapsed(client, make_user) -> None:
    ann = make_user()
    name = stem()
    assert tag(client, ann, f"  two   {name} ")["name"] == f"two {name}"


def test_a_tag_name_longer_than_fifty_characters_is_refused(client, make_user) -> None:
    ann = make_user()
    assert list(
        problem(client.post(TAGS, json={"name": "x" * 51}, headers=ann.auth), 422)["errors"]
    ) == ["name"]


def test_a_tag_a_task_created_takes_its_name_in_any_case(client, make_user) -> None:
    ann = make_user()
    name = f"Implicit-{stem()}"
    client.post(TASKS, json={"title": "t", "tags": [name]}, headers=ann.auth)
    clash = client.post(TAGS, json={"name": name.upper()}, headers=ann.auth)
    assert problem(clash, 409)["type"] == "/problems/name-taken"


def test_tag_search_ignores_letter_case(client, make_user) -> None:
    ann = make_user()
    name = f"Needle-{stem()}"
    tag(client, ann, name)
    found = client.get(TAGS, query_string={"q": name.upper()}, headers=ann.auth).get_json()
    assert [t["name"] for t in found["items"]] == [name]


def test_tag_search_takes_percent_and_underscore_literally(client, make_user) -> None:
    ann = make_user()
    base = stem()
    literal = tag(client, ann, f"{base}%_x")
    tag(client, ann, f"{base}ab_x")
    found = client.get(TAGS, query_string={"q": f"{base}%_"}, headers=ann.auth).get_json()
    assert [t["id"] for t in found["items"]] == [literal["id"]]


def test_a_tags_page_links_to_the_next(client, make_user) -> None:
    ann = make_user()
    base = stem()
    for suffix in ("a", "b"):
        tag(client, ann, f"{base}-{suffix}")
    response = client.get(TAGS, query_string={"q": base, "limit": 1}, headers=ann.auth)
    assert 'rel="next"' in response.headers["Link"]
    assert f"q={base}" in response.headers["Link"]


def test_a_template_cursor_is_refused_by_the_tags(client, make_user) -> None:
    ann = make_user()
    base = stem()
    for suffix in ("a", "b"):
        template(client, ann, name=f"{base}-{suffix}")
    cursor = client.get(
        TEMPLATES, query_string={"q": base, "limit": 1}, headers=ann.auth
    ).get_json()["next_cursor"]
    response = client.get(TAGS, query_string={"cursor": cursor}, headers=ann.auth)
    assert list(problem(response, 422)["errors"]) == ["cursor"]


def test_a_deactivated_user_cannot_create_tags(client, make_user, deactivate) -> None:
    ann = make_user()
    deactivate(ann)
    problem(client.post(TAGS, json={"name": f"late-{stem()}"}, headers=ann.auth), 403)


def test_tags_need_a_token(client) -> None:
    assert problem(client.get(TAGS), 401)["type"] == "/problems/unauthorized"


# --- templates -------------------------------------------------------------------------------


def test_a_template_with_only_a_name_and_title_takes_the_defaults(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann, title="Plain")
    assert (created["description"], created["priority"], created["tags"]) == ("", "medium", [])
    assert (created["estimated_hours"], created["variables"]) == (None, [])
    assert (created["created_by"], created["version"]) == (str(ann.id), 1)


def test_template_names_clash_in_any_letter_case(client, make_user) -> None:
    ann = make_user()
    name = f"Weekly {stem()}"
    template(client, ann, name=name)
    clash = client.post(TEMPLATES, json={"name": name.lower(), "title": "x"}, headers=ann.auth)
    assert problem(clash, 409)["type"] == "/problems/name-taken"


def test_renaming_a_template_onto_another_s_name_is_a_409(client, make_user) -> None:
    ann = make_user()
    taken = template(client, ann)
    mine = template(client, ann)
    url = f"{TEMPLATES}/{mine['id']}"
    problem(client.patch(url, json={"name": taken["name"].upper()}, headers=ann.auth), 409)
    assert client.get(url, headers=ann.auth).get_json()["name"] == mine["name"]


def test_a_stray_brace_in_a_template_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.post(
        TEMPLATES, json={"name": stem(), "title": "ok", "description": "a } b"}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["description"]


def test_templates_are_listed_by_name(client, make_user) -> None:
    ann = make_user()
    base = stem()
    second = template(client, ann, name=f"{base} Zulu")
    first = template(client, ann, name=f"{base} alpha")
    listed = client.get(TEMPLATES, query_string={"q": base}, headers=ann.auth).get_json()
    assert [t["id"] for t in listed["items"]] == [first["id"], second["id"]]


def test_a_patch_repeating_the_values_keeps_the_version(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann, priority="high")
    body = client.patch(
        f"{TEMPLATES}/{created['id']}", json={"priority": "high"}, headers=ann.auth
    ).get_json()
    assert body["version"] == 1


def test_a_manager_changes_anyone_s_template(client, make_user) -> None:
    ann, boss = make_user(), make_user("manager")
    created = template(client, ann)
    response = client.patch(
        f"{TEMPLATES}/{created['id']}", json={"estimated_hours": "2"}, headers=boss.auth
    )
    assert response.status_code == 200
    assert response.get_json()["estimated_hours"] == "2.00"


def test_another_member_may_not_delete_a_template(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    created = template(client, ann)
    url = f"{TEMPLATES}/{created['id']}"
    problem(client.delete(url, headers=bob.auth), 403)
    assert client.get(url, headers=bob.auth).status_code == 200


def test_another_member_instantiates_a_template(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    created = template(client, ann)
    response = instantiate(client, bob, created["id"])
    assert response.status_code == 201
    assert (response.get_json()["title"], response.get_json()["created_by"]) == (
        "Do it",
        str(bob.id),
    )


def test_instantiation_overrides_the_priority_and_files_under_a_team(
    client, make_user, make_team
) -> None:
    ann = make_user()
    team = make_team(ann)
    created = template(client, ann, priority="low")
    task = instantiate(client, ann, created["id"], priority="urgent", team_id=str(team)).get_json()
    assert (task["priority"], task["team_id"]) == ("urgent", str(team))


def test_instantiation_may_make_a_subtask(client, make_user) -> None:
    ann = make_user()
    parent = client.post(TASKS, json={"title": "Parent"}, headers=ann.auth).get_json()
    created = template(client, ann)
    task = instantiate(client, ann, created["id"], parent_task_id=parent["id"]).get_json()
    assert task["parent_task_id"] == parent["id"]


def test_instantiation_under_someone_else_s_team_is_forbidden(
    client, make_user, make_team, row_counts
) -> None:
    ann, cat = make_user(), make_user()
    team = make_team(cat)
    created = template(client, ann)
    before = row_counts()
    problem(instantiate(client, ann, created["id"], team_id=str(team)), 403)
    assert row_counts() == before


def test_a_variable_that_is_not_text_is_named(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = client.post(
        f"{TEMPLATES}/{created['id']}/instantiate",
        json={"variables": {"thing": 3}},
        headers=ann.auth,
    )
    assert "variables.thing.value" in problem(response, 422)["errors"]


def test_a_rendered_title_over_two_hundred_characters_is_refused(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = instantiate(client, ann, created["id"], variables={"thing": "x" * 300})
    assert list(problem(response, 422)["errors"]) == ["variables"]


def test_unused_variables_are_ignored(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    response = instantiate(client, ann, created["id"], variables={"thing": "it", "extra": "x"})
    assert response.status_code == 201


def test_instantiation_assigns_and_refuses_unknown_assignees(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    created = template(client, ann)
    task = instantiate(client, ann, created["id"], assignee_ids=[str(bob.id)]).get_json()
    assert task["assignee_ids"] == [str(bob.id)]
    unknown = instantiate(client, ann, created["id"], assignee_ids=[str(uuid.uuid4())])
    assert list(problem(unknown, 422)["errors"]) == ["assignee_ids"]


def test_an_instantiation_replay_says_so(client, make_user, row_counts) -> None:
    ann = make_user()
    created = template(client, ann)
    headers = ann.headers(Idempotency_Key=stem())
    first = instantiate(client, ann, created["id"], headers=headers)
    before = row_counts()
    again = instantiate(client, ann, created["id"], headers=headers)
    assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert row_counts() == before


def test_an_instantiation_key_reused_with_other_variables_is_a_422(
    client, make_user, row_counts
) -> None:
    ann = make_user()
    created = template(client, ann)
    headers = ann.headers(Idempotency_Key=stem())
    instantiate(client, ann, created["id"], headers=headers)
    before = row_counts()
    other = instantiate(client, ann, created["id"], headers=headers, variables={"thing": "else"})
    body = problem(other, 422)
    assert body["type"] == "/problems/idempotency-key-reused"
    assert list(body["errors"]) == ["Idempotency-Key"]
    assert row_counts() == before


def test_a_key_used_to_create_a_task_cannot_instantiate_a_template(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    key = stem()
    client.post(TASKS, json={"title": "x"}, headers=ann.headers(Idempotency_Key=key))
    response = instantiate(client, ann, created["id"], headers=ann.headers(Idempotency_Key=key))
    assert problem(response, 422)["type"] == "/problems/idempotency-key-reused"


def test_an_expired_key_may_be_used_again(client, make_user, admin_engine) -> None:
    ann = make_user()
    key = stem()
    first = client.post(TASKS, json={"title": "x"}, headers=ann.headers(Idempotency_Key=key))
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                "UPDATE tasks.idempotency_keys SET created_at = now() - interval '25 hours' "
                "WHERE principal = :p AND key = :k"
            ),
            {"p": ann.id, "k": key},
        )
    again = client.post(TASKS, json={"title": "y"}, headers=ann.headers(Idempotency_Key=key))
    assert again.status_code == 201
    assert again.get_json()["id"] != first.get_json()["id"]


def test_tasks_made_from_a_deleted_template_stay(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann)
    task = instantiate(client, ann, created["id"]).get_json()
    assert client.delete(f"{TEMPLATES}/{created['id']}", headers=ann.auth).status_code == 204
    assert client.get(f"{TASKS}/{task['id']}", headers=ann.auth).status_code == 200
    problem(instantiate(client, ann, created["id"]), 404)


# --- notifications ---------------------------------------------------------------------------


@pytest.fixture
def notify(tasks_runtime):
    """Record notifications the way the consumer does (through the log), a second apart."""
    clock = [datetime.now(UTC) - timedelta(minutes=5)]

    def record(user, kind=NotificationType.TASK_ASSIGNED, task_id=None) -> uuid.UUID:
        clock[0] += timedelta(seconds=1)
        notification = NewNotification(
            id=uuid7(),
            recipient_id=user.id,
            recipient_email=f"{user.username}@example.org",
            task_id=task_id or uuid7(),
            kind=kind,
            occasion=str(uuid7()),
            context={},
            created_at=clock[0],
        )
        with tasks_runtime.unit_of_work() as uow:
            assert uow.notifications.add([notification]) == [notification.id]
            uow.commit()
        return notification.id

    return record


def _ids(client, user, **query: Any) -> list[str]:
    response = client.get(NOTIFICATIONS, query_string=query, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def test_a_member_lists_their_own_notifications_newest_first(client, make_user, notify) -> None:
    ann, bob = make_user(), make_user()
    first, second = notify(ann), notify(ann)
    notify(bob)
    assert _ids(client, ann) == [str(second), str(first)]


def test_a_manager_sees_only_their_own_notifications(client, make_user, notify) -> None:
    ann, boss = make_user(), make_user("manager")
    notify(ann)
    mine = notify(boss)
    assert _ids(client, boss) == [str(mine)]
    assert _ids(client, boss, recipient_id=str(ann.id)) == [str(mine)]


def test_an_admin_lists_anyone_s_notifications(client, make_user, notify) -> None:
    ann, admin = make_user(), make_user("admin")
    sent = notify(ann)
    [item] = client.get(
        NOTIFICATIONS, query_string={"recipient_id": str(ann.id)}, headers=admin.auth
    ).get_json()["items"]
    assert item["id"] == str(sent)
    assert (item["recipient_email"], item["status"]) == (f"{ann.username}@example.org", "pending")
    assert (item["attempts"], item["sent_at"], item["last_error"]) == (0, None, None)


def test_notifications_filter_by_type(client, make_user, notify) -> None:
    ann = make_user()
    notify(ann, NotificationType.TASK_ASSIGNED)
    commented = notify(ann, NotificationType.TASK_COMMENTED)
    assert _ids(client, ann, notification_type="task_commented") == [str(commented)]


def test_notifications_filter_by_task(client, make_user, notify) -> None:
    ann = make_user()
    task_id = uuid7()
    about = notify(ann, task_id=task_id)
    notify(ann)
    assert _ids(client, ann, task_id=str(task_id)) == [str(about)]


def test_notifications_filter_by_status(client, make_user, notify) -> None:
    ann = make_user()
    notify(ann)
    assert _ids(client, ann, status="sent") == []
    assert len(_ids(client, ann, status="pending")) == 1


def test_notifications_page_with_a_cursor(client, make_user, notify) -> None:
    ann = make_user()
    made = [notify(ann) for _ in range(3)]
    first = client.get(NOTIFICATIONS, query_string={"limit": 2}, headers=ann.auth)
    assert 'rel="next"' in first.headers["Link"]
    rest = client.get(
        NOTIFICATIONS,
        query_string={"limit": 2, "cursor": first.get_json()["next_cursor"]},
        headers=ann.auth,
    ).get_json()
    seen = [n["id"] for n in first.get_json()["items"] + rest["items"]]
    assert seen == [str(n) for n in reversed(made)]


def test_an_unknown_notification_type_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.get(
        NOTIFICATIONS, query_string={"notification_type": "task_exploded"}, headers=ann.auth
    )
    assert list(problem(response, 422)["errors"]) == ["query.notification_type"]


def test_a_bad_notifications_cursor_is_refused(client, make_user) -> None:
    ann = make_user()
    response = client.get(NOTIFICATIONS, query_string={"cursor": "eyJ4IjoxfQ"}, headers=ann.auth)
    assert list(problem(response, 422)["errors"]) == ["cursor"]


# --- names PostgreSQL lowers differently from Python (a dotted capital I, a final sigma) --


def test_a_tag_with_a_dotted_capital_i_stays_on_its_task(client, make_user) -> None:
    ann = make_user()
    name = f"İstanbul-{stem()}"
    task = client.post(TASKS, json={"title": "t", "tags": [name]}, headers=ann.auth).get_json()
    assert task["tags"] == [name]
    assert client.get(f"{TASKS}/{task['id']}", headers=ann.auth).get_json()["tags"] == [name]


def test_the_tag_filter_finds_a_name_ending_in_a_capital_sigma(client, make_user) -> None:
    ann = make_user()
    name = f"{stem()}-ΟΔΟΣ"
    task = client.post(TASKS, json={"title": "t", "tags": [name]}, headers=ann.auth).get_json()
    found = client.get(TASKS, query_string={"tag": name}, headers=ann.auth).get_json()
    assert [t["id"] for t in found["items"]] == [task["id"]]


def test_tag_pages_do_not_skip_names_after_a_dotted_capital_i(client, make_user) -> None:
    ann = make_user()
    base = stem()
    names = [f"{base}İa", f"{base}ib"]
    for name in names:
        tag(client, ann, name)
    first = client.get(TAGS, query_string={"q": base, "limit": 1}, headers=ann.auth).get_json()
    rest = client.get(
        TAGS, query_string={"q": base, "cursor": first["next_cursor"]}, headers=ann.auth
    ).get_json()
    assert [t["name"] for t in first["items"] + rest["items"]] == names


def test_template_pages_do_not_skip_names_after_a_dotted_capital_i(client, make_user) -> None:
    ann = make_user()
    base = stem()
    names = [f"{base}İa", f"{base}ib"]
    for name in names:
        template(client, ann, name=name)
    first = client.get(TEMPLATES, query_string={"q": base, "limit": 1}, headers=ann.auth).get_json()
    rest = client.get(
        TEMPLATES, query_string={"q": base, "cursor": first["next_cursor"]}, headers=ann.auth
    ).get_json()
    assert [t["name"] for t in first["items"] + rest["items"]] == names


def test_a_key_whose_first_request_was_refused_may_be_used_again(
    client, make_user, row_counts
) -> None:
    ann = make_user()
    headers = ann.headers(Idempotency_Key=stem())
    refused = client.post(
        TASKS, json={"title": "x", "assignee_ids": [str(uuid.uuid4())]}, headers=headers
    )
    assert refused.status_code == 422
    accepted = client.post(TASKS, json={"title": "fixed"}, headers=headers)
    assert accepted.status_code == 201
    assert "Idempotent-Replayed" not in accepted.headers


def test_a_template_s_tags_are_created_by_whoever_instantiates_it(
    client, make_user, admin_engine
) -> None:
    ann, bob = make_user(), make_user()
    name = f"from-template-{stem()}"
    created = template(client, ann, tags=[name])
    task = instantiate(client, bob, created["id"]).get_json()
    assert task["tags"] == [name]
    with admin_engine.connect() as connection:
        creator = connection.execute(
            sa.text("SELECT created_by FROM tasks.tags WHERE name = :n"), {"n": name}
        ).scalar_one()
    assert creator == bob.id


def test_a_template_s_estimate_may_be_cleared(client, make_user) -> None:
    ann = make_user()
    created = template(client, ann, estimated_hours="3")
    body = client.patch(
        f"{TEMPLATES}/{created['id']}", json={"estimated_hours": None}, headers=ann.auth
    ).get_json()
    assert (body["estimated_hours"], body["version"]) == (None, 2)


def test_a_key_used_on_one_template_cannot_instantiate_another(client, make_user) -> None:
    ann = make_user()
    first, second = template(client, ann), template(client, ann)
    headers = ann.headers(Idempotency_Key=stem())
    assert instantiate(client, ann, first["id"], headers=headers).status_code == 201
    response = instantiate(client, ann, second["id"], headers=headers)
    assert problem(response, 422)["type"] == "/problems/idempotency-key-reused"
