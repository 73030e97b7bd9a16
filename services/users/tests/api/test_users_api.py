"""The user directory and profiles through the HTTP API (real PostgreSQL and Redis)."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest

PROBLEM = "application/problem+json"
VALID_PREFERENCES = {
    "task_assigned": True,
    "task_unassigned": True,
    "task_status_changed": False,
    "task_commented": True,
    "task_created": True,
    "task_overdue": True,
    "task_due_soon": False,
    "daily_summary": False,
}
FULL_PROFILE = {
    "first_name": "Ann",
    "last_name": "Lee",
    "timezone": "Europe/Paris",
    "notification_preferences": VALID_PREFERENCES,
}


def _url(user) -> str:
    return f"/api/v1/users/{user.id}"


# --- authentication --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/users", "/api/v1/users/me", f"/api/v1/users/{uuid.uuid4()}"]
)
def test_every_endpoint_needs_a_bearer_token(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_401_comes_before_input_validation(client) -> None:
    assert client.get("/api/v1/users?limit=1000&bogus=1").status_code == 401
    assert client.patch("/api/v1/users/me", json={"bogus": 1}).status_code == 401


def test_a_token_from_another_key_is_refused(client, make_user) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    user = make_user()
    claims = jwt.decode(user.token, options={"verify_signature": False})
    header = jwt.get_unverified_header(user.token)
    forged = jwt.encode(
        claims | {"role": "admin"},
        rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256",
        headers=header,
    )
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_a_revoked_token_is_refused_at_once(client, make_user, users_denylist) -> None:
    user = make_user()
    assert client.get("/api/v1/users/me", headers=user.auth).status_code == 200
    jti = jwt.decode(user.token, options={"verify_signature": False})["jti"]
    users_denylist.deny(jti, int(time.time()) + 60)
    response = client.get("/api/v1/users/me", headers=user.auth)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["detail"]


# --- reading ------------------------------------------------------------------------------


def test_me_returns_the_full_profile_with_an_etag(client, make_user) -> None:
    user = make_user("manager", first_name="Max", last_name="Power")
    response = client.get("/api/v1/users/me/", headers=user.auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == str(user.id)
    assert body["username"] == user.username
    assert body["email"] == user.email
    assert (body["first_name"], body["last_name"], body["display_name"]) == (
        "Max",
        "Power",
        "Max Power",
    )
    assert (body["role"], body["is_active"], body["timezone"]) == ("manager", True, "UTC")
    assert body["notification_preferences"] == dict.fromkeys(VALID_PREFERENCES, True)
    assert body["team_ids"] == []
    assert body["version"] == 1
    assert body["created_at"].endswith("+00:00")
    assert response.headers["ETag"] == '"v1"'
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["X-Request-ID"]


def test_me_before_the_profile_exists_is_404(client, token_for) -> None:
    token = token_for(uuid.uuid4(), "member")
    response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.content_type == PROBLEM


@pytest.mark.parametrize(
    ("viewer_role", "sees_email"), [("member", False), ("manager", True), ("admin", True)]
)
def test_email_is_private_to_the_user_and_staff(client, make_user, viewer_role, sees_email):
    target = make_user()
    viewer = make_user(viewer_role)
    body = client.get(_url(target), headers=viewer.auth).get_json()
    assert body["username"] == target.username
    assert body["email"] == (target.email if sees_email else None)


def test_the_token_role_claim_is_not_trusted(client, make_user) -> None:
    """A member whose (stale or forged-in-spirit) token says admin still sees no emails."""
    target = make_user()
    member = make_user("member", token_role="admin")
    assert client.get(_url(target), headers=member.auth).get_json()["email"] is None


def test_a_caller_without_a_profile_reads_as_a_member(client, make_user, token_for) -> None:
    target = make_user()
    headers = {"Authorization": f"Bearer {token_for(uuid.uuid4(), 'admin')}"}
    response = client.get(_url(target), headers=headers)
    assert response.status_code == 200
    assert response.get_json()["email"] is None


def test_unknown_and_malformed_user_ids_are_404(client, make_user) -> None:
    user = make_user()
    for path in (f"/api/v1/users/{uuid.uuid4()}", "/api/v1/users/not-a-uuid"):
        response = client.get(path, headers=user.auth)
        assert response.status_code == 404
        assert response.content_type == PROBLEM


def test_if_none_match_gives_304_until_the_profile_changes(client, make_user) -> None:
    user = make_user()
    etag = client.get("/api/v1/users/me", headers=user.auth).headers["ETag"]
    cached = client.get("/api/v1/users/me", headers=user.headers(If_None_Match=etag))
    assert cached.status_code == 304
    assert cached.data == b""
    assert cached.headers["ETag"] == etag
    client.patch("/api/v1/users/me", json={"first_name": "New"}, headers=user.auth)
    fresh = client.get("/api/v1/users/me", headers=user.headers(If_None_Match=etag))
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] == '"v2"'


# --- listing ------------------------------------------------------------------------------


def _prefixed_users(make_user, prefix: str, names: list[str]) -> list:
    return [make_user(username=f"{prefix}{name}", email=f"{prefix}{name}@ex.org") for name in names]


def test_list_pages_with_a_link_header_in_username_order(client, make_user) -> None:
    prefix = f"lp{uuid.uuid4().hex[:6]}"
    _prefixed_users(make_user, prefix, ["c", "A", "b", "D", "e"])
    viewer = make_user()
    seen: list[str] = []
    url = f"/api/v1/users/?q={prefix}&limit=2"
    pages = 0
    while url:
        response = client.get(url, headers=viewer.auth)
        assert response.status_code == 200
        body = response.get_json()
        seen += [item["username"].removeprefix(prefix) for item in body["items"]]
        pages += 1
        link = response.headers.get("Link")
        if body["next_cursor"] is None:
            assert link is None
            break
        assert link.endswith('>; rel="next"')
        # From the configured public base URL (settings), not from the request.
        assert link.startswith("<https://taskhive.test/api/v1/users")
        url = link[1 : link.index(">")].removeprefix("https://taskhive.test")
        assert f"q={prefix}" in url
        assert "limit=2" in url
    assert seen == ["A", "b", "c", "D", "e"]
    assert pages == 3


def test_the_link_never_takes_the_clients_host(client, make_user) -> None:
    prefix = f"lh{uuid.uuid4().hex[:6]}"
    _prefixed_users(make_user, prefix, ["a", "b"])
    viewer = make_user()
    response = client.get(
        f"/api/v1/users?q={prefix}&limit=1",
        headers={**viewer.auth, "Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 200
    link = response.headers["Link"]
    assert link.startswith("<https://taskhive.test/api/v1/users")
    assert "evil" not in link


def test_list_items_apply_privacy(client, make_user) -> None:
    prefix = f"pv{uuid.uuid4().hex[:6]}"
    [other] = _prefixed_users(make_user, prefix, ["x"])
    member = make_user()
    manager = make_user("manager")
    as_member = client.get(f"/api/v1/users?q={prefix}", headers=member.auth).get_json()
    as_manager = client.get(f"/api/v1/users?q={prefix}", headers=manager.auth).get_json()
    assert [item["email"] for item in as_member["items"]] == [None]
    assert [item["email"] for item in as_manager["items"]] == [other.email]


def test_q_matches_email_for_staff_only(client, make_user) -> None:
    marker = f"mail{uuid.uuid4().hex[:8]}"
    target = make_user(email=f"{marker}@example.org")
    member, admin = make_user(), make_user("admin")
    assert client.get(f"/api/v1/users?q={marker}", headers=member.auth).get_json()["items"] == []
    found = client.get(f"/api/v1/users?q={marker.upper()}", headers=admin.auth).get_json()
    assert [item["id"] for item in found["items"]] == [str(target.id)]


def test_list_filters(client, make_user) -> None:
    prefix = f"fl{uuid.uuid4().hex[:6]}"
    admin = make_user("admin", username=f"{prefix}admin")
    boss = make_user("manager", username=f"{prefix}boss")
    ann = make_user(username=f"{prefix}ann")
    gone = make_user(username=f"{prefix}gone")
    client.patch(f"/api/v1/users/{gone.id}", json={"is_active": False}, headers=admin.auth)
    team = client.post("/api/v1/teams", json={"name": f"T {prefix}"}, headers=boss.auth).get_json()
    client.post(
        f"/api/v1/teams/{team['id']}/members", json={"user_id": str(ann.id)}, headers=boss.auth
    )

    def names(query: str) -> set[str]:
        response = client.get(f"/api/v1/users?q={prefix}&{query}", headers=ann.auth)
        assert response.status_code == 200, response.get_json()
        return {item["username"].removeprefix(prefix) for item in response.get_json()["items"]}

    assert names("role=manager") == {"boss"}
    assert names("role=admin") == {"admin"}
    assert names("is_active=false") == {"gone"}
    assert names("is_active=true") == {"admin", "boss", "ann"}
    assert names(f"team={team['id']}") == {"ann"}
    assert names(f"team={uuid.uuid4()}") == set()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=1000", "limit"),
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("role=owner", "role"),
        ("is_active=yes", "is_active"),
        ("team=not-a-uuid", "team"),
        ("sort=username", "sort"),
        ("cursor=definitely-not-ours", "cursor"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_list_queries_are_422(client, make_user, query, field) -> None:
    user = make_user()
    response = client.get(f"/api/v1/users?{query}", headers=user.auth)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    body = response.get_json()
    assert body["type"] == "/problems/validation"
    assert any(key.endswith(field) for key in body["errors"]), body


def test_a_tampered_cursor_is_422(client, make_user) -> None:
    import base64
    import json

    prefix = f"tc{uuid.uuid4().hex[:6]}"
    _prefixed_users(make_user, prefix, ["a", "b"])
    user = make_user()
    cursor = client.get(f"/api/v1/users?q={prefix}&limit=1", headers=user.auth).get_json()[
        "next_cursor"
    ]
    position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    position["id"] = "'; DROP TABLE users.profiles; --"
    tampered = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    response = client.get(f"/api/v1/users?q={prefix}&cursor={tampered}", headers=user.auth)
    assert response.status_code == 422
    assert "cursor" in response.get_json()["errors"]


# --- writing ------------------------------------------------------------------------------


def test_put_replaces_the_editable_fields(client, make_user, outbox_rows) -> None:
    user = make_user()
    response = client.put("/api/v1/users/me", json=FULL_PROFILE, headers=user.auth)
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "Ann Lee"
    assert body["timezone"] == "Europe/Paris"
    assert body["notification_preferences"] == VALID_PREFERENCES
    assert body["version"] == 2
    assert response.headers["ETag"] == '"v2"'
    events = outbox_rows(str(user.id))
    assert [row.type for row in events] == ["users.user.created.v1", "users.user.updated.v1"]
    assert events[-1].data["notification_preferences"] == VALID_PREFERENCES


ALL_ON = dict.fromkeys(VALID_PREFERENCES, True)


def test_a_put_of_the_required_fields_only_resets_the_optional_ones(
    client, make_user, outbox_rows
) -> None:
    user = make_user()
    assert client.put("/api/v1/users/me", json=FULL_PROFILE, headers=user.auth).status_code == 200
    response = client.put(
        "/api/v1/users/me", json={"first_name": "Bo", "last_name": ""}, headers=user.auth
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["first_name"], body["last_name"], body["display_name"]) == ("Bo", "", "Bo")
    assert body["timezone"] == "UTC"
    assert body["notification_preferences"] == ALL_ON
    assert (body["role"], body["is_active"]) == ("member", True)
    assert body["version"] == 3
    event = outbox_rows(str(user.id))[-1]
    assert event.type == "users.user.updated.v1"
    assert (event.data["timezone"], event.data["notification_preferences"]) == ("UTC", ALL_ON)


def test_a_put_turns_on_the_notification_types_it_leaves_out(client, make_user) -> None:
    user = make_user()
    assert client.put("/api/v1/users/me", json=FULL_PROFILE, headers=user.auth).status_code == 200
    body = FULL_PROFILE | {"notification_preferences": {"daily_summary": False}}
    response = client.put("/api/v1/users/me", json=body, headers=user.auth)
    assert response.status_code == 200
    assert response.get_json()["notification_preferences"] == ALL_ON | {"daily_summary": False}


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({k: v for k, v in FULL_PROFILE.items() if k != "first_name"}, ["first_name"]),
        ({k: v for k, v in FULL_PROFILE.items() if k != "last_name"}, ["last_name"]),
        ({"timezone": "UTC"}, ["first_name", "last_name"]),
    ],
)
def test_a_put_without_a_required_field_is_422_naming_it(
    client, make_user, row_counts, body, missing
) -> None:
    user = make_user()
    before = row_counts()
    response = client.put("/api/v1/users/me", json=body, headers=user.auth)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    errors = response.get_json()["errors"]
    assert sorted(errors) == missing
    assert all("required" in message.lower() for name in missing for message in errors[name])
    assert row_counts() == before


def test_an_admins_put_leaves_role_and_status_as_they_are_when_omitted(client, make_user) -> None:
    admin, target = make_user("admin"), make_user("manager")
    response = client.put(
        _url(target), json={"first_name": "Cy", "last_name": "Do"}, headers=admin.auth
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["display_name"], body["role"], body["is_active"]) == ("Cy Do", "manager", True)


def test_patch_changes_only_what_it_names(client, make_user) -> None:
    user = make_user(first_name="Ann", last_name="Lee")
    response = client.patch(
        "/api/v1/users/me",
        json={"notification_preferences": {"daily_summary": False}},
        headers=user.auth,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["notification_preferences"]["daily_summary"] is False
    assert body["notification_preferences"]["task_assigned"] is True
    assert (body["first_name"], body["last_name"]) == ("Ann", "Lee")


def test_a_patch_that_changes_nothing_writes_nothing(client, make_user, row_counts) -> None:
    user = make_user()
    before = row_counts()
    response = client.patch("/api/v1/users/me", json={"timezone": "UTC"}, headers=user.auth)
    assert response.status_code == 200
    assert response.get_json()["version"] == 1
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"bogus": 1}, "bogus"),
        ({"id": str(uuid.uuid4())}, "id"),
        ({"email": "me@evil.example"}, "email"),
        ({"username": "renamed"}, "username"),
        ({"version": 9}, "version"),
        ({"first_name": 123}, "first_name"),
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": None}, "last_name"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"timezone": ""}, "timezone"),
        ({"role": "owner"}, "role"),
        ({"is_active": "false"}, "is_active"),
        ({"notification_preferences": {"sms": True}}, "notification_preferences.sms"),
        (
            {"notification_preferences": {"daily_summary": "no"}},
            "notification_preferences.daily_summary",
        ),
        ({"notification_preferences": ["task_assigned"]}, "notification_preferences"),
    ],
)
def test_bad_profile_input_is_422_and_writes_nothing(client, make_user, row_counts, body, field):
    user = make_user()
    before = row_counts()
    response = client.patch("/api/v1/users/me", json=body, headers=user.auth)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == PROBLEM
    errors = response.get_json()["errors"]
    assert any(key.startswith(field) for key in errors), errors
    assert row_counts() == before


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"first_name": "a\\u0000b"}', "first_name"),
        ('{"last_name": "\\ud800"}', "last_name"),
        ('{"timezone": "UTC\\udfff"}', "timezone"),
        ('{"first_name": ' + "[" * 1000 + "]" * 1000 + "}", "_schema"),
        ('{"first_name": ' + "9" * 5000 + "}", "first_name"),
        ('{"first_name": 1e400}', "first_name"),
    ],
)
def test_hostile_json_is_a_422_naming_the_field_and_writes_nothing(
    client, make_user, row_counts, raw, field
) -> None:
    user = make_user()
    before = row_counts()
    response = client.patch(
        "/api/v1/users/me", data=raw, headers=user.auth | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.get_json()
    assert response.content_type == PROBLEM
    assert list(response.get_json()["errors"]) == [field]
    assert row_counts() == before


@pytest.mark.parametrize("query", ["q=%00", "q=a%00b", "cursor=%00", "role=%00"])
def test_nul_in_a_list_query_is_a_422_naming_the_parameter(client, make_user, query) -> None:
    user = make_user()
    response = client.get(f"/api/v1/users?{query}", headers=user.auth)
    assert response.status_code == 422, response.get_json()
    name = query.split("=")[0]
    assert list(response.get_json()["errors"]) == [f"query.{name}"]


def test_malformed_json_is_400(client, make_user) -> None:
    user = make_user()
    response = client.patch(
        "/api/v1/users/me",
        data="{not json",
        headers=user.auth | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.content_type == PROBLEM


@pytest.mark.parametrize("role", ["member", "manager"])
@pytest.mark.parametrize("body", [{"role": "member"}, {"role": "admin"}, {"is_active": True}])
def test_non_admins_cannot_set_role_or_status_even_on_themselves(
    client, make_user, row_counts, role, body
) -> None:
    user = make_user(role)
    before = row_counts()
    response = client.patch("/api/v1/users/me", json=body, headers=user.auth)
    assert response.status_code == 403
    assert response.get_json()["type"] == "/problems/forbidden"
    put = client.put("/api/v1/users/me", json=FULL_PROFILE | body, headers=user.auth)
    assert put.status_code == 403
    assert row_counts() == before


@pytest.mark.parametrize("role", ["member", "manager"])
def test_non_admins_cannot_edit_someone_else(client, make_user, row_counts, role) -> None:
    actor, target = make_user(role), make_user()
    before = row_counts()
    assert (
        client.patch(_url(target), json={"first_name": "X"}, headers=actor.auth).status_code == 403
    )
    assert client.put(_url(target), json=FULL_PROFILE, headers=actor.auth).status_code == 403
    assert row_counts() == before


def test_writing_an_unknown_user_is_404(client, make_user) -> None:
    admin = make_user("admin")
    response = client.patch(
        f"/api/v1/users/{uuid.uuid4()}", json={"first_name": "X"}, headers=admin.auth
    )
    assert response.status_code == 404


def test_admins_edit_anyone_including_role_and_status(client, make_user, outbox_rows) -> None:
    admin, target = make_user("admin"), make_user()
    response = client.put(_url(target), json=FULL_PROFILE | {"role": "manager"}, headers=admin.auth)
    assert response.status_code == 200
    assert response.get_json()["role"] == "manager"
    response = client.patch(_url(target), json={"is_active": False}, headers=admin.auth)
    assert response.status_code == 200
    assert response.get_json()["is_active"] is False
    types = [row.type for row in outbox_rows(str(target.id))]
    assert types == [
        "users.user.created.v1",
        "users.user.updated.v1",
        "users.user.updated.v1",
        "users.user.deactivated.v1",
    ]
    deactivated = outbox_rows(str(target.id))[-1].data
    assert deactivated["deactivated_by"] == str(admin.id)
    assert deactivated["version"] == 3


@pytest.mark.parametrize("body", [{"is_active": False}, {"role": "member"}, {"role": "manager"}])
def test_an_admin_cannot_lock_themselves_out(client, make_user, row_counts, body) -> None:
    admin = make_user("admin")
    before = row_counts()
    for path in ("/api/v1/users/me", _url(admin)):
        response = client.patch(path, json=body, headers=admin.auth)
        assert response.status_code == 409
        assert response.get_json()["type"] == "/problems/self-lockout"
    assert row_counts() == before


def test_a_deactivated_user_is_shut_out(client, make_user) -> None:
    admin, user = make_user("admin"), make_user()
    client.patch(_url(user), json={"is_active": False}, headers=admin.auth)
    for response in (
        client.get("/api/v1/users/me", headers=user.auth),
        client.get("/api/v1/users", headers=user.auth),
        client.patch("/api/v1/users/me", json={"first_name": "Back"}, headers=user.auth),
    ):
        assert response.status_code == 403
        assert response.get_json()["type"] == "/problems/account-deactivated"
    reactivated = client.patch(_url(user), json={"is_active": True}, headers=admin.auth)
    assert reactivated.status_code == 200
    assert client.get("/api/v1/users/me", headers=user.auth).status_code == 200


# --- conditional writes ----------------------------------------------------------------


def test_if_match_current_is_accepted_and_stale_is_412(client, make_user, row_counts) -> None:
    user = make_user()
    ok = client.patch(
        "/api/v1/users/me", json={"first_name": "A"}, headers=user.headers(If_Match='"v1"')
    )
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"v2"'
    before = row_counts()
    stale = client.patch(
        "/api/v1/users/me", json={"first_name": "B"}, headers=user.headers(If_Match='"v1"')
    )
    assert stale.status_code == 412
    assert stale.content_type == PROBLEM
    assert stale.headers["ETag"] == '"v2"'
    assert row_counts() == before
    assert client.get("/api/v1/users/me", headers=user.auth).get_json()["first_name"] == "A"


@pytest.mark.parametrize("header", ['"abc"', 'W/"v1"', '"v1", "v2"'])
def test_if_match_that_is_not_our_etag_is_412(client, make_user, header) -> None:
    user = make_user()
    response = client.patch(
        "/api/v1/users/me", json={"first_name": "A"}, headers=user.headers(If_Match=header)
    )
    assert response.status_code == 412


def test_if_match_star_means_any_version(client, make_user) -> None:
    user = make_user()
    response = client.patch(
        "/api/v1/users/me", json={"first_name": "A"}, headers=user.headers(If_Match="*")
    )
    assert response.status_code == 200


def test_two_writers_with_the_same_etag_cannot_both_win(client, make_user, users_app) -> None:
    user = make_user()
    other_client = users_app.test_client()
    first = client.patch(
        "/api/v1/users/me", json={"first_name": "One"}, headers=user.headers(If_Match='"v1"')
    )
    second = other_client.patch(
        "/api/v1/users/me", json={"last_name": "Two"}, headers=user.headers(If_Match='"v1"')
    )
    assert (first.status_code, second.status_code) == (200, 412)
    body = client.get("/api/v1/users/me", headers=user.auth).get_json()
    assert (body["first_name"], body["last_name"], body["version"]) == ("One", "", 2)


# --- availability (auto-assignment in tasks skips the unavailable, ADR 0020) ------------------


def test_a_user_marks_themself_unavailable_and_the_event_carries_it(
    client, make_user, outbox_rows
) -> None:
    user = make_user()
    assert client.get("/api/v1/users/me", headers=user.auth).get_json()["available"] is True
    assert outbox_rows(str(user.id))[0].data["available"] is True
    response = client.patch("/api/v1/users/me", json={"available": False}, headers=user.auth)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["available"] is False
    assert client.get("/api/v1/users/me", headers=user.auth).get_json()["available"] is False
    event = outbox_rows(str(user.id))[-1]
    assert (event.type, event.data["available"]) == ("users.user.updated.v1", False)


def test_an_admin_sets_someone_elses_availability_and_a_put_resets_it(client, make_user) -> None:
    user, admin, other = make_user(), make_user("admin"), make_user()
    url = f"/api/v1/users/{user.id}"
    assert client.patch(url, json={"available": False}, headers=other.auth).status_code == 403
    response = client.patch(url, json={"available": False}, headers=admin.auth)
    assert response.get_json()["available"] is False
    response = client.put("/api/v1/users/me", json=FULL_PROFILE, headers=user.auth)
    assert response.get_json()["available"] is True


@pytest.mark.parametrize("value", ["false", 0, None, "yes"])
def test_available_must_be_a_json_boolean(client, make_user, value) -> None:
    user = make_user()
    response = client.patch("/api/v1/users/me", json={"available": value}, headers=user.auth)
    assert response.status_code == 422
    assert response.content_type == PROBLEM
    assert "available" in response.get_json()["errors"]
    assert client.get("/api/v1/users/me", headers=user.auth).get_json()["available"] is True
