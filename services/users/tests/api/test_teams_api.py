"""Teams and memberships through the HTTP API (real PostgreSQL and Redis)."""

from __future__ import annotations

import uuid

import pytest

PROBLEM = "application/problem+json"


def _name() -> str:
    return f"Team {uuid.uuid4().hex[:10]}"


@pytest.fixture
def boss(make_user):
    return make_user("manager")


@pytest.fixture
def team(client, boss) -> dict:
    response = client.post(
        "/api/v1/teams/", json={"name": _name(), "description": "Ours"}, headers=boss.auth
    )
    assert response.status_code == 201
    return response.get_json()


def _team_url(team: dict) -> str:
    return f"/api/v1/teams/{team['id']}"


# --- create ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_staff_create_teams(client, make_user, outbox_rows, role) -> None:
    actor = make_user(role)
    name = _name()
    response = client.post("/api/v1/teams", json={"name": f"  {name} "}, headers=actor.auth)
    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == name
    assert body["description"] == ""
    assert body["created_by"] == str(actor.id)
    assert (body["version"], body["member_ids"], body["members"]) == (1, [], [])
    assert uuid.UUID(body["id"]).version == 7
    assert response.headers["ETag"] == '"v1"'
    assert response.headers["Location"].endswith(f"/api/v1/teams/{body['id']}")
    [event] = outbox_rows(body["id"])
    assert event.type == "users.team.created.v1"
    assert event.data["name"] == name


def test_members_cannot_create_teams(client, make_user, row_counts) -> None:
    member = make_user()
    before = row_counts()
    response = client.post("/api/v1/teams", json={"name": _name()}, headers=member.auth)
    assert response.status_code == 403
    assert response.content_type == PROBLEM
    assert row_counts() == before


def test_a_member_whose_token_says_manager_still_cannot(client, make_user) -> None:
    member = make_user("member", token_role="manager")
    assert (
        client.post("/api/v1/teams", json={"name": _name()}, headers=member.auth).status_code == 403
    )


def test_a_promoted_member_can_at_once(client, make_user) -> None:
    """The role comes from the profile: no need to wait for a new token."""
    admin, member = make_user("admin"), make_user()
    client.patch(f"/api/v1/users/{member.id}", json={"role": "manager"}, headers=admin.auth)
    assert (
        client.post("/api/v1/teams", json={"name": _name()}, headers=member.auth).status_code == 201
    )


def test_team_names_are_unique_in_any_case(client, boss, team, row_counts) -> None:
    before = row_counts()
    response = client.post("/api/v1/teams", json={"name": team["name"].upper()}, headers=boss.auth)
    assert response.status_code == 409
    assert response.get_json()["type"] == "/problems/team-name-taken"
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Ok", "description": "d" * 2001}, "description"),
        ({"name": "Ok", "description": ["list"]}, "description"),
        ({"name": "Ok", "id": str(uuid.uuid4())}, "id"),
        ({"name": "Ok", "version": 3}, "version"),
        ({"name": "Ok", "member_ids": []}, "member_ids"),
        ({"name": "Ok", "created_by": str(uuid.uuid4())}, "created_by"),
    ],
)
def test_bad_team_input_is_422_and_writes_nothing(client, boss, row_counts, body, field) -> None:
    before = row_counts()
    response = client.post("/api/v1/teams", json=body, headers=boss.auth)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert row_counts() == before


# --- idempotency ----------------------------------------------------------------------------


def test_an_idempotency_key_replays_the_first_response(client, boss, row_counts) -> None:
    key = f"create-{uuid.uuid4()}"
    body = {"name": _name()}
    first = client.post("/api/v1/teams", json=body, headers=boss.headers(Idempotency_Key=key))
    after_first = row_counts()
    again = client.post("/api/v1/teams", json=body, headers=boss.headers(Idempotency_Key=key))
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Location"] == first.headers["Location"]
    assert row_counts() == after_first


def test_the_replay_is_the_first_response_even_after_changes(client, boss) -> None:
    key = f"create-{uuid.uuid4()}"
    body = {"name": _name()}
    first = client.post("/api/v1/teams", json=body, headers=boss.headers(Idempotency_Key=key))
    client.patch(_team_url(first.get_json()), json={"name": _name()}, headers=boss.auth)
    again = client.post("/api/v1/teams", json=body, headers=boss.headers(Idempotency_Key=key))
    assert again.get_json() == first.get_json()


def test_the_same_key_with_another_body_is_422(client, boss, row_counts) -> None:
    key = f"create-{uuid.uuid4()}"
    client.post("/api/v1/teams", json={"name": _name()}, headers=boss.headers(Idempotency_Key=key))
    before = row_counts()
    response = client.post(
        "/api/v1/teams", json={"name": _name()}, headers=boss.headers(Idempotency_Key=key)
    )
    assert response.status_code == 422
    body = response.get_json()
    assert body["type"] == "/problems/idempotency-key-reused"
    assert "Idempotency-Key" in body["errors"]
    assert row_counts() == before


def test_keys_are_per_caller(client, make_user) -> None:
    key = f"shared-{uuid.uuid4()}"
    one, two = make_user("manager"), make_user("manager")
    first = client.post(
        "/api/v1/teams", json={"name": _name()}, headers=one.headers(Idempotency_Key=key)
    )
    second = client.post(
        "/api/v1/teams", json={"name": _name()}, headers=two.headers(Idempotency_Key=key)
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.get_json()["id"] != second.get_json()["id"]


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "naïve"])
def test_a_malformed_idempotency_key_is_422(client, boss, row_counts, key) -> None:
    before = row_counts()
    response = client.post(
        "/api/v1/teams", json={"name": _name()}, headers=boss.auth | {"Idempotency-Key": key}
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.get_json()["errors"]
    assert row_counts() == before


# --- read -------------------------------------------------------------------------------------


def test_anyone_signed_in_reads_teams_with_etags(client, make_user, team) -> None:
    member = make_user()
    response = client.get(_team_url(team), headers=member.auth)
    assert response.status_code == 200
    assert response.get_json() == team
    assert response.headers["ETag"] == '"v1"'
    cached = client.get(_team_url(team), headers=member.headers(If_None_Match='"v1"'))
    assert cached.status_code == 304


def test_teams_need_a_token(client, team) -> None:
    assert client.get(_team_url(team)).status_code == 401
    assert client.get("/api/v1/teams").status_code == 401
    assert client.post("/api/v1/teams", json={"name": "x"}).status_code == 401


def test_unknown_team_is_404(client, boss) -> None:
    for method in ("get", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/teams/{uuid.uuid4()}", json={}, headers=boss.auth
        )
        assert response.status_code == 404, method
        assert response.content_type == PROBLEM
    assert client.get("/api/v1/teams/nope", headers=boss.auth).status_code == 404


def test_teams_list_pages_by_name(client, make_user) -> None:
    boss = make_user("manager")
    marker = uuid.uuid4().hex[:8]
    for name in ("b", "A", "c"):
        client.post("/api/v1/teams", json={"name": f"{marker} {name}"}, headers=boss.auth)
    first = client.get(f"/api/v1/teams?q={marker.upper()}&limit=2", headers=boss.auth)
    assert [t["name"] for t in first.get_json()["items"]] == [f"{marker} A", f"{marker} b"]
    assert 'rel="next"' in first.headers["Link"]
    cursor = first.get_json()["next_cursor"]
    rest = client.get(f"/api/v1/teams?q={marker}&limit=2&cursor={cursor}", headers=boss.auth)
    assert [t["name"] for t in rest.get_json()["items"]] == [f"{marker} c"]
    assert rest.get_json()["next_cursor"] is None
    assert "Link" not in rest.headers


def test_teams_list_filters_by_member(client, boss, team, make_user) -> None:
    ann = make_user()
    client.post(f"{_team_url(team)}/members", json={"user_id": str(ann.id)}, headers=boss.auth)
    mine = client.get(f"/api/v1/teams?member={ann.id}", headers=ann.auth).get_json()
    assert [t["id"] for t in mine["items"]] == [team["id"]]


@pytest.mark.parametrize(
    "query", ["limit=1000", "limit=0", "member=x", "owner=me", "cursor=%%%", "q=" + "x" * 101]
)
def test_bad_team_list_queries_are_422(client, boss, query) -> None:
    response = client.get(f"/api/v1/teams?{query}", headers=boss.auth)
    assert response.status_code == 422
    assert response.content_type == PROBLEM


# --- update and delete ----------------------------------------------------------------------


def test_staff_rename_and_describe_a_team(client, boss, team, outbox_rows) -> None:
    name = _name()
    response = client.patch(
        _team_url(team),
        json={"name": name, "description": "New"},
        headers=boss.headers(If_Match='"v1"'),
    )
    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["version"]) == (name, 2)
    assert response.headers["ETag"] == '"v2"'
    assert [r.type for r in outbox_rows(team["id"])] == [
        "users.team.created.v1",
        "users.team.updated.v1",
    ]


def test_team_writes_honour_if_match(client, boss, team, row_counts) -> None:
    client.patch(_team_url(team), json={"description": "changed"}, headers=boss.auth)
    before = row_counts()
    stale_patch = client.patch(
        _team_url(team), json={"name": _name()}, headers=boss.headers(If_Match='"v1"')
    )
    stale_delete = client.delete(_team_url(team), headers=boss.headers(If_Match='"v1"'))
    stale_member = client.post(
        f"{_team_url(team)}/members",
        json={"user_id": str(boss.id)},
        headers=boss.headers(If_Match='"v1"'),
    )
    assert (stale_patch.status_code, stale_delete.status_code, stale_member.status_code) == (
        412,
        412,
        412,
    )
    assert stale_patch.headers["ETag"] == '"v2"'
    assert row_counts() == before


def test_members_cannot_change_teams(client, make_user, team, row_counts) -> None:
    member = make_user()
    before = row_counts()
    assert client.patch(_team_url(team), json={"name": "x"}, headers=member.auth).status_code == 403
    assert client.delete(_team_url(team), headers=member.auth).status_code == 403
    assert (
        client.post(
            f"{_team_url(team)}/members", json={"user_id": str(member.id)}, headers=member.auth
        ).status_code
        == 403
    )
    assert (
        client.delete(f"{_team_url(team)}/members/{member.id}", headers=member.auth).status_code
        == 403
    )
    assert row_counts() == before


def test_renaming_onto_another_team_is_409(client, boss, team) -> None:
    other = client.post("/api/v1/teams", json={"name": _name()}, headers=boss.auth).get_json()
    response = client.patch(
        _team_url(other), json={"name": team["name"].lower()}, headers=boss.auth
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": ""}, "name"), ({"description": 5}, "description"), ({"members": []}, "members")],
)
def test_bad_team_patches_are_422(client, boss, team, row_counts, body, field) -> None:
    before = row_counts()
    response = client.patch(_team_url(team), json=body, headers=boss.auth)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert row_counts() == before


def test_delete_removes_the_team_and_its_memberships(
    client, boss, team, make_user, outbox_rows
) -> None:
    ann = make_user()
    client.post(f"{_team_url(team)}/members", json={"user_id": str(ann.id)}, headers=boss.auth)
    response = client.delete(_team_url(team), headers=boss.headers(If_Match='"v2"'))
    assert response.status_code == 204
    assert client.get(_team_url(team), headers=boss.auth).status_code == 404
    assert client.get(f"/api/v1/users/{ann.id}", headers=ann.auth).get_json()["team_ids"] == []
    deleted = outbox_rows(team["id"])[-1]
    assert deleted.type == "users.team.deleted.v1"
    assert deleted.data["member_ids"] == [str(ann.id)]
    assert deleted.data["version"] == 3


# --- members ----------------------------------------------------------------------------------


def test_members_are_added_and_removed(client, boss, team, make_user, outbox_rows) -> None:
    ann, bob = make_user(), make_user()
    added = client.post(
        f"{_team_url(team)}/members/", json={"user_id": str(ann.id)}, headers=boss.auth
    )
    assert added.status_code == 201
    body = added.get_json()
    assert body["member_ids"] == [str(ann.id)]
    assert body["members"][0]["username"] == ann.username
    assert added.headers["ETag"] == '"v2"'
    client.post(f"{_team_url(team)}/members", json={"user_id": str(bob.id)}, headers=boss.auth)
    assert client.get(f"/api/v1/users/{ann.id}", headers=ann.auth).get_json()["team_ids"] == [
        team["id"]
    ]

    removed = client.delete(f"{_team_url(team)}/members/{ann.id}/", headers=boss.auth)
    assert removed.status_code == 204
    assert removed.headers["ETag"] == '"v4"'
    current = client.get(_team_url(team), headers=boss.auth).get_json()
    assert current["member_ids"] == [str(bob.id)]
    events = outbox_rows(team["id"])
    assert [e.type for e in events] == [
        "users.team.created.v1",
        "users.team.member_added.v1",
        "users.team.member_added.v1",
        "users.team.member_removed.v1",
    ]
    assert events[-1].data["user_id"] == str(ann.id)
    assert events[-1].data["member_ids"] == [str(bob.id)]


def test_only_active_existing_users_can_join(client, boss, team, make_user, row_counts) -> None:
    admin, gone = make_user("admin"), make_user()
    client.patch(f"/api/v1/users/{gone.id}", json={"is_active": False}, headers=admin.auth)
    before = row_counts()
    for user_id in (str(gone.id), str(uuid.uuid4())):
        response = client.post(
            f"{_team_url(team)}/members", json={"user_id": user_id}, headers=boss.auth
        )
        assert response.status_code == 422
        assert "user_id" in response.get_json()["errors"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "body", [{}, {"user_id": "nope"}, {"user_id": 5}, {"user_id": None}, {"user_id": "x", "y": 1}]
)
def test_bad_member_bodies_are_422(client, boss, team, body) -> None:
    response = client.post(f"{_team_url(team)}/members", json=body, headers=boss.auth)
    assert response.status_code == 422


def test_joining_twice_is_409_and_removing_a_non_member_404(client, boss, team, make_user) -> None:
    ann = make_user()
    url = f"{_team_url(team)}/members"
    assert client.post(url, json={"user_id": str(ann.id)}, headers=boss.auth).status_code == 201
    again = client.post(url, json={"user_id": str(ann.id)}, headers=boss.auth)
    assert again.status_code == 409
    assert again.get_json()["type"] == "/problems/already-member"
    assert client.delete(f"{url}/{boss.id}", headers=boss.auth).status_code == 404
    assert client.delete(f"{url}/not-a-uuid", headers=boss.auth).status_code == 404


def test_method_not_allowed_is_a_problem(client, boss, team) -> None:
    response = client.put(_team_url(team), json={"name": "x"}, headers=boss.auth)
    assert response.status_code == 405
    assert response.content_type == PROBLEM
    assert "PATCH" in response.headers["Allow"]
