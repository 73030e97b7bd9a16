"""Tags and task templates, with instantiation."""

from __future__ import annotations

import uuid

TAGS = "/api/v1/tags"
TEMPLATES = "/api/v1/task-templates"


def test_tags_are_unique_in_any_case_and_listed_by_name(client, make_user) -> None:
    ann = make_user()
    stem = uuid.uuid4().hex[:8]
    created = client.post(TAGS, json={"name": f"{stem}-Bug", "colour": "#FF0000"}, headers=ann.auth)
    assert created.status_code == 201
    assert created.get_json()["colour"] == "#ff0000"
    clash = client.post(TAGS, json={"name": f"{stem}-BUG"}, headers=ann.auth)
    assert clash.status_code == 409
    assert clash.get_json()["type"] == "/problems/name-taken"
    client.post(TAGS, json={"name": f"{stem}-alpha"}, headers=ann.auth)
    first = client.get(TAGS, query_string={"q": stem, "limit": 1}, headers=ann.auth).get_json()
    assert [t["name"] for t in first["items"]] == [f"{stem}-alpha"]
    rest = client.get(
        TAGS, query_string={"q": stem, "cursor": first["next_cursor"]}, headers=ann.auth
    ).get_json()
    assert [t["name"] for t in rest["items"]] == [f"{stem}-Bug"]
    for bad in ({"name": "a,b"}, {"name": "x", "colour": "red"}, {"name": "x", "id": "1"}, {}):
        assert client.post(TAGS, json=bad, headers=ann.auth).status_code == 422


def test_a_task_naming_an_existing_tag_uses_its_spelling(client, make_user) -> None:
    ann = make_user()
    name = f"Stem{uuid.uuid4().hex[:6]}"
    client.post(TAGS, json={"name": name}, headers=ann.auth)
    task = client.post(
        "/api/v1/tasks", json={"title": "t", "tags": [name.lower()]}, headers=ann.auth
    ).get_json()
    assert task["tags"] == [name]


def _template(client, user, **body):
    payload = {
        "name": f"Onboarding {uuid.uuid4().hex[:6]}",
        "title": "Onboard {name}",
        "description": "Welcome {name} to {team}. Literal {{braces}}.",
        "priority": "high",
        "tags": ["onboarding"],
        "estimated_hours": "4",
    } | body
    response = client.post(TEMPLATES, json=payload, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_template_crud_and_permissions(client, make_user) -> None:
    ann, bob, boss = make_user(), make_user(), make_user("manager")
    template = _template(client, ann)
    assert template["variables"] == ["name", "team"]
    url = f"{TEMPLATES}/{template['id']}"
    got = client.get(url, headers=bob.auth)
    assert got.status_code == 200
    assert (
        client.get(url, headers=bob.headers(If_None_Match=got.headers["ETag"])).status_code == 304
    )
    assert client.patch(url, json={"priority": "low"}, headers=bob.auth).status_code == 403
    patched = client.patch(url, json={"title": "Welcome {who}"}, headers=ann.auth)
    assert patched.get_json()["variables"] == ["who", "name", "team"]
    stale = client.patch(url, json={"priority": "low"}, headers=ann.headers(If_Match='"v1"'))
    assert stale.status_code == 412
    assert client.patch(url, json={"title": "{oops"}, headers=ann.auth).status_code == 422
    assert client.delete(url, headers=boss.auth).status_code == 204
    assert client.get(url, headers=ann.auth).status_code == 404
    listed = client.get(TEMPLATES, query_string={"limit": 100}, headers=ann.auth).get_json()
    assert template["id"] not in {t["id"] for t in listed["items"]}
    assert client.post(TEMPLATES, json={"name": "x"}, headers=ann.auth).status_code == 422


def test_instantiate_renders_and_creates_a_task(client, make_user, outbox_rows) -> None:
    ann, bob = make_user(), make_user()
    template = _template(client, ann)
    url = f"{TEMPLATES}/{template['id']}/instantiate"
    key = uuid.uuid4().hex
    response = client.post(
        url,
        json={
            "variables": {"name": "Ann", "team": "Ops"},
            "due_date": "2031-01-01T00:00:00Z",
            "assignee_ids": [str(bob.id)],
        },
        headers=bob.headers(Idempotency_Key=key),
    )
    assert response.status_code == 201, response.get_json()
    task = response.get_json()
    assert task["title"] == "Onboard Ann"
    assert task["description"] == "Welcome Ann to Ops. Literal {braces}."
    assert (task["priority"], task["tags"], task["estimated_hours"]) == (
        "high",
        ["onboarding"],
        "4.00",
    )
    assert task["created_by"] == str(bob.id)
    replay = client.post(
        url,
        json={
            "variables": {"name": "Ann", "team": "Ops"},
            "due_date": "2031-01-01T00:00:00Z",
            "assignee_ids": [str(bob.id)],
        },
        headers=bob.headers(Idempotency_Key=key),
    )
    assert replay.get_json()["id"] == task["id"]
    assert [r.type for r in outbox_rows(task["id"])] == [
        "tasks.task.created.v1",
        "tasks.task.assigned.v1",
    ]


def test_instantiate_with_a_missing_variable_is_a_422(client, make_user, row_counts) -> None:
    ann = make_user()
    template = _template(client, ann)
    before = row_counts()
    response = client.post(
        f"{TEMPLATES}/{template['id']}/instantiate",
        json={"variables": {"name": "Ann"}},
        headers=ann.auth,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"variables": ["Missing: team."]}
    assert row_counts() == before
    unknown = client.post(f"{TEMPLATES}/{uuid.uuid4()}/instantiate", json={}, headers=ann.auth)
    assert unknown.status_code == 404
