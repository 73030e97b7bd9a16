"""API keys over HTTP: shown once, listed without the secret, revoked, expiring, scoped, and
usable as a bearer by any service sharing the directory (ADR 0024)."""

from __future__ import annotations

import logging
import uuid

import pytest
from flask import Flask

from taskhive_shared.http.app import create_service_app
from taskhive_shared.security.flask_auth import authenticate
from taskhive_shared.security.tokens import AccessTokenVerifier, LocalKeyResolver

PROBLEM = "application/problem+json"
KEYS = "/api/v1/auth/api-keys"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def session(client, new_user):
    return client.post("/api/v1/auth/register", json=new_user()).get_json()


@pytest.fixture
def tasks_like_app(auth_runtime, signing_keys) -> Flask:
    """A service named `tasks` with one read and one write route, verifying like every
    service does: its own verifier on the shared denylist store (here: Redis)."""
    app, _ = create_service_app(
        service="tasks", title="t", version="1", max_body_bytes=4096, readiness_checks={}
    )
    verifier = AccessTokenVerifier(
        LocalKeyResolver(signing_keys.jwks),
        auth_runtime.denylist,
        issuer=auth_runtime.settings.jwt_issuer,
        audience=auth_runtime.settings.jwt_audience,
        api_key_cache_seconds=0.0,
    )

    @app.route("/api/v1/tasks/probe", methods=["GET", "POST"])
    def probe() -> dict[str, str]:
        principal = authenticate(verifier)
        return {"user_id": principal.user_id, "role": principal.role}

    return app


def _create(client, token, **body):
    payload = {"name": "ci", "scopes": ["tasks:read"], "expires_in_days": 30, **body}
    return client.post(KEYS, json=payload, headers=_bearer(token))


def test_key_is_shown_once_and_listed_without_the_secret(client, session, caplog):
    caplog.set_level(logging.DEBUG)
    created = _create(client, session["access_token"], scopes=["tasks:read", "users:read"])
    assert created.status_code == 201
    body = created.get_json()
    key = body["key"]
    assert key.startswith("th_")
    assert len(key) >= 43
    assert body["prefix"] == key[:10]
    assert body["scopes"] == ["tasks:read", "users:read"]
    assert created.headers["Cache-Control"] == "no-store"

    listed = client.get(KEYS, headers=_bearer(session["access_token"]))
    assert listed.status_code == 200
    assert [item["id"] for item in listed.get_json()["items"]] == [body["id"]]
    assert key not in listed.get_data(as_text=True)
    assert "key" not in listed.get_json()["items"][0]
    assert key not in caplog.text


def test_key_authenticates_at_another_service_within_its_scopes(client, session, tasks_like_app):
    key = _create(client, session["access_token"])
    secret = key.get_json()["key"]
    other = tasks_like_app.test_client()

    listed = client.get(KEYS, headers=_bearer(session["access_token"])).get_json()["items"]
    assert listed[0]["last_used_at"] is None
    read = other.get("/api/v1/tasks/probe", headers=_bearer(secret))
    assert read.status_code == 200
    listed = client.get(KEYS, headers=_bearer(session["access_token"])).get_json()["items"]
    assert listed[0]["last_used_at"] is not None
    assert read.get_json()["user_id"] == session["user"]["id"]

    write = other.post("/api/v1/tasks/probe", headers=_bearer(secret))
    assert write.status_code == 403
    assert write.content_type == PROBLEM
    assert write.get_json()["missing_scope"] == "tasks:write"
    assert "tasks:write" in write.get_json()["detail"]
    assert 'error="insufficient_scope"' in write.headers["WWW-Authenticate"]
    # A session token holds every scope of its role.
    assert (
        other.post("/api/v1/tasks/probe", headers=_bearer(session["access_token"])).status_code
        == 200
    )


def test_revoked_key_stops_at_once_and_unknown_keys_are_401(client, session, tasks_like_app):
    created = _create(client, session["access_token"]).get_json()
    other = tasks_like_app.test_client()
    assert other.get("/api/v1/tasks/probe", headers=_bearer(created["key"])).status_code == 200

    revoked = client.delete(f"{KEYS}/{created['id']}", headers=_bearer(session["access_token"]))
    assert revoked.status_code == 204

    after = other.get("/api/v1/tasks/probe", headers=_bearer(created["key"]))
    assert after.status_code == 401
    assert after.content_type == PROBLEM
    listed = client.get(KEYS, headers=_bearer(session["access_token"])).get_json()
    assert listed["items"][0]["revoked_at"] is not None
    forged = "th_" + "A" * 43
    assert other.get("/api/v1/tasks/probe", headers=_bearer(forged)).status_code == 401


def test_an_api_key_cannot_manage_keys(client, session):
    secret = _create(client, session["access_token"]).get_json()["key"]
    for response in (
        client.get(KEYS, headers=_bearer(secret)),
        _create(client, secret),
    ):
        assert response.status_code == 403
        assert response.content_type == PROBLEM


def test_other_users_cannot_see_or_revoke_a_key(client, session, new_user):
    created = _create(client, session["access_token"]).get_json()
    stranger = client.post("/api/v1/auth/register", json=new_user()).get_json()
    headers = _bearer(stranger["access_token"])
    assert client.delete(f"{KEYS}/{created['id']}", headers=headers).status_code == 404
    assert client.get(KEYS, headers=headers).get_json()["items"] == []
    assert client.get(f"{KEYS}?all=true", headers=headers).status_code == 404


def test_admin_lists_and_revokes_any_key(client, session, auth_runtime, new_user):
    from auth_service.bootstrap import register_account

    created = _create(client, session["access_token"]).get_json()
    admin = new_user()
    register_account(
        auth_runtime,
        email=admin["email"],
        username=admin["username"],
        password=admin["password"],
        role="admin",
    )
    login = client.post(
        "/api/v1/auth/login", json={"username": admin["username"], "password": admin["password"]}
    ).get_json()
    headers = _bearer(login["access_token"])
    mine = client.get(f"{KEYS}?user_id={session['user']['id']}", headers=headers).get_json()
    assert [item["id"] for item in mine["items"]] == [created["id"]]
    assert client.delete(f"{KEYS}/{created['id']}", headers=headers).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_in_days": 366}, "expires_in_days"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 10**30}, "expires_in_days"),
        ({"scopes": ["auth:write"]}, "scopes"),
        ({"scopes": ["tasks:admin"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"name": "bad\x00name"}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"owner": str(uuid.uuid4())}, "owner"),
    ],
)
def test_hostile_bodies_are_422_naming_the_field(client, session, body, field, row_counts):
    before = row_counts()
    response = _create(client, session["access_token"], **body)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == PROBLEM
    assert field in response.get_json()["errors"]
    assert row_counts() == before


def test_sync_republishes_and_deactivation_revokes(client, session, auth_runtime, tasks_like_app):
    from auth_service.application.sync_profile import DeactivateAccount, DeactivateAccountHandler
    from auth_service.bootstrap import sync_api_keys
    from taskhive_shared.security.api_keys import lookup_digest
    from taskhive_shared.security.denylist import api_key_directory_of

    created = _create(client, session["access_token"]).get_json()
    other = tasks_like_app.test_client()
    directory = api_key_directory_of(auth_runtime.denylist)
    directory.withdraw([lookup_digest(created["key"])])  # as if Redis restarted empty
    assert other.get("/api/v1/tasks/probe", headers=_bearer(created["key"])).status_code == 401
    assert sync_api_keys(auth_runtime) >= 1
    assert other.get("/api/v1/tasks/probe", headers=_bearer(created["key"])).status_code == 200

    handler = DeactivateAccountHandler(
        auth_runtime.clock, auth_runtime.revoker, auth_runtime.api_keys
    )
    with auth_runtime.unit_of_work() as uow:
        assert handler(DeactivateAccount(uuid.UUID(session["user"]["id"]), version=99), uow)
        uow.commit()
    assert other.get("/api/v1/tasks/probe", headers=_bearer(created["key"])).status_code == 401


def test_unknown_list_parameters_are_422(client, session):
    response = client.get(f"{KEYS}?bogus=1", headers=_bearer(session["access_token"]))
    assert response.status_code == 422
