"""Register and login through the auth HTTP API (real PostgreSQL and Redis)."""

from __future__ import annotations

import jwt
import pytest

PROBLEM = "application/problem+json"


def test_register_returns_tokens_and_writes_account_and_event(client, new_user, row_counts):
    body = new_user() | {"first_name": "Ann", "last_name": "Lee"}
    before = row_counts()

    response = client.post("/api/v1/auth/register", json=body)

    assert response.status_code == 201
    data = response.get_json()
    assert data["token_type"] == "Bearer"
    assert data["expires_in"] == 900
    assert data["user"]["email"] == body["email"]
    assert data["user"]["username"] == body["username"]
    assert (data["user"]["first_name"], data["user"]["last_name"]) == ("Ann", "Lee")
    assert data["user"]["role"] == "member"
    assert "password" not in data["user"]
    assert response.headers["Cache-Control"] == "no-store"
    claims = jwt.decode(data["access_token"], options={"verify_signature": False})
    assert claims["sub"] == data["user"]["id"]
    assert claims["role"] == "member"
    assert claims["exp"] - claims["iat"] <= 900
    after = row_counts()
    assert after["accounts"] == before["accounts"] + 1
    assert after["outbox"] == before["outbox"] + 1
    assert after["refresh_tokens"] == before["refresh_tokens"] + 1


def test_registered_event_carries_profile_fields(client, new_user, admin_engine):
    import sqlalchemy as sa

    body = new_user() | {"first_name": "Zed"}
    user_id = client.post("/api/v1/auth/register", json=body).get_json()["user"]["id"]
    with admin_engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT type, source, subject, data FROM auth.outbox WHERE subject = :s"),
            {"s": user_id},
        ).one()
    assert row.type == "auth.user.registered.v1"
    assert row.source == "auth"
    assert row.data["username"] == body["username"]
    assert row.data["first_name"] == "Zed"
    assert row.data["role"] == "member"


@pytest.mark.parametrize("field", ["email", "username"])
def test_duplicate_email_or_username_in_any_case_is_409(client, new_user, row_counts, field):
    first = new_user()
    assert client.post("/api/v1/auth/register", json=first).status_code == 201
    second = new_user()
    second[field] = first[field].upper()
    before = row_counts()

    response = client.post("/api/v1/auth/register", json=second)

    assert response.status_code == 409
    assert response.content_type == PROBLEM
    assert field in response.get_json()["detail"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": "password123"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"username": "a b"}, "username"),
        ({"username": "ab"}, "username"),
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
        ({"email": 12}, "email"),
    ],
)
def test_bad_registration_is_422_with_field_errors_and_writes_nothing(
    client, new_user, row_counts, change, field
):
    before = row_counts()

    response = client.post("/api/v1/auth/register", json=new_user() | change)

    assert response.status_code == 422
    assert response.content_type == PROBLEM
    problem = response.get_json()
    assert problem["status"] == 422
    assert field in problem["errors"]
    assert row_counts() == before


def test_password_equal_to_username_is_refused(client, new_user):
    body = new_user()
    body["password"] = body["username"]
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert "password" in response.get_json()["errors"]


@pytest.mark.parametrize("missing", ["email", "username", "password"])
def test_missing_field_is_422(client, new_user, missing):
    body = new_user()
    del body[missing]
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 422
    assert missing in response.get_json()["errors"]


def test_malformed_json_is_400_problem(client, row_counts):
    before = row_counts()
    response = client.post(
        "/api/v1/auth/register", data='{"email": ', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.content_type == PROBLEM
    assert row_counts() == before


def test_json_that_is_not_an_object_is_4xx(client):
    response = client.post("/api/v1/auth/register", json=["a", "b"])
    assert response.status_code in (400, 422)
    assert response.content_type == PROBLEM


def test_oversize_body_is_413_problem(client, new_user, row_counts, auth_settings):
    before = row_counts()
    body = new_user() | {"first_name": "x" * (auth_settings.max_body_bytes + 10)}
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 413
    assert response.content_type == PROBLEM
    assert row_counts() == before


def test_login_by_username_or_email_in_any_case(client, new_user):
    body = new_user()
    client.post("/api/v1/auth/register", json=body)
    for login in (body["username"], body["email"].upper(), body["username"].upper()):
        response = client.post(
            "/api/v1/auth/login", json={"username": login, "password": body["password"]}
        )
        assert response.status_code == 200, login
        assert response.get_json()["access_token"]
        assert response.get_json()["refresh_token"]


def test_unknown_user_and_wrong_password_get_the_same_401(client, new_user):
    body = new_user()
    client.post("/api/v1/auth/register", json=body)
    wrong = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": "wrong-password-1"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"username": "nobody-here", "password": body["password"]}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json() == unknown.get_json()
    assert wrong.content_type == PROBLEM


def test_login_rehashes_when_parameters_changed(auth_settings, signing_keys, denylist, new_user):
    """A hash made with older (cheaper) parameters is replaced at the next login."""
    import sqlalchemy as sa

    from auth_service.bootstrap import build_http_app, build_runtime

    old = build_runtime(auth_settings, keys=signing_keys, denylist=denylist)
    body = new_user()
    build_http_app(old).test_client().post("/api/v1/auth/register", json=body)
    stronger = auth_settings.model_copy(update={"argon2_time_cost": 2})
    runtime = build_runtime(stronger, keys=signing_keys, denylist=denylist)
    client = build_http_app(runtime).test_client()

    response = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    )

    assert response.status_code == 200
    with runtime.engine.connect() as connection:
        stored = connection.execute(
            sa.text("SELECT password_hash FROM auth.accounts WHERE username = :u"),
            {"u": body["username"]},
        ).scalar_one()
    assert stored.startswith("$argon2id$")
    assert ",t=2," in stored
    old.engine.dispose()
    runtime.engine.dispose()


def test_trailing_slash_is_optional(client, new_user):
    body = new_user()
    assert client.post("/api/v1/auth/register/", json=body).status_code == 201
    login = {"username": body["username"], "password": body["password"]}
    assert client.post("/api/v1/auth/login/", json=login).status_code == 200
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_unknown_route_and_wrong_method_are_problems(client):
    missing = client.get("/api/v1/auth/nothing-here")
    assert missing.status_code == 404
    assert missing.content_type == PROBLEM
    wrong_method = client.get("/api/v1/auth/login")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]
    assert wrong_method.content_type == PROBLEM


def test_request_id_is_echoed_or_generated(client):
    sent = client.get("/api/v1/auth/jwks.json", headers={"X-Request-ID": "abc-123"})
    assert sent.headers["X-Request-ID"] == "abc-123"
    generated = client.get("/api/v1/auth/jwks.json")
    assert len(generated.headers["X-Request-ID"]) >= 16


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/api/v1/auth/refresh", '{"refresh_token": "a\\ud800b"}', "refresh_token"),
        ("/api/v1/auth/refresh", '{"refresh_token": "a\\u0000b"}', "refresh_token"),
        ("/api/v1/auth/login", '{"username": "ann", "password": "pw\\udc00pw"}', "password"),
        ("/api/v1/auth/login", '{"username": "a\\u0000", "password": "x"}', "username"),
        (
            "/api/v1/auth/register",
            '{"email": "a@b.org", "username": "abc", "password": "x\\ud83dx"}',
            "password",
        ),
        ("/api/v1/auth/login", '{"username": ' + "[" * 1000 + "]" * 1000 + "}", "_schema"),
        ("/api/v1/auth/login", '{"username": "a", "password": ' + "1" * 4301 + "}", "password"),
        ("/api/v1/auth/refresh", '{"refresh_token": -1e400}', "refresh_token"),
    ],
)
def test_hostile_bodies_are_a_422_before_sign_in(client, row_counts, path, raw, field):
    before = row_counts()
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    assert list(response.get_json()["errors"]) == [field]
    assert row_counts() == before
