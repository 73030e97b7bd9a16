"""Service plumbing of the users app: health, OpenAPI, request ids, body limits."""

from __future__ import annotations

import pytest

from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from users_service.bootstrap import build_http_app, build_runtime
from users_service.config import UsersSettings

PROBLEM = "application/problem+json"


def test_livez_and_readyz(client) -> None:
    assert client.get("/livez").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok"}


def test_readyz_reports_an_unreachable_database() -> None:
    settings = UsersSettings(database_url="postgresql://nobody@127.0.0.1:1/none")
    runtime = build_runtime(
        settings,
        key_resolver=LocalKeyResolver(lambda: {"keys": []}),
        denylist=InMemoryTokenDenylist(),
    )
    response = build_http_app(runtime).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "unavailable"


def test_a_runtime_needs_a_jwks_url_or_a_key_resolver() -> None:

    from users_service.bootstrap import build_runtime
    from users_service.config import UsersSettings

    with pytest.raises(ValueError, match="USERS_JWKS_URL"):
        build_runtime(UsersSettings(database_url="postgresql://nobody@127.0.0.1:1/none"))


def test_openapi_documents_users_and_teams(client) -> None:
    response = client.get("/api/v1/users/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    paths = document["paths"]
    for path in (
        "/api/v1/users/",
        "/api/v1/users/me",
        "/api/v1/users/{user_id}",
        "/api/v1/teams/",
        "/api/v1/teams/{team_id}",
        "/api/v1/teams/{team_id}/members",
        "/api/v1/teams/{team_id}/members/{user_id}",
    ):
        assert path in paths, path
    post_team = paths["/api/v1/teams/"]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in post_team["parameters"])
    assert "412" in paths["/api/v1/users/me"]["patch"]["responses"]
    list_parameters = {p["name"] for p in paths["/api/v1/users/"]["get"]["parameters"]}
    assert list_parameters == {"limit", "cursor", "q", "role", "is_active", "team"}
    assert client.get("/api/v1/users/docs/").status_code == 200


def test_request_ids_are_echoed(client, make_user) -> None:
    user = make_user()
    response = client.get("/api/v1/users/me", headers=user.auth | {"X-Request-ID": "req-7"})
    assert response.headers["X-Request-ID"] == "req-7"


def test_an_oversized_body_is_413(client, make_user) -> None:
    user = make_user()
    response = client.patch(
        "/api/v1/users/me", json={"first_name": "x" * 2_000_000}, headers=user.auth
    )
    assert response.status_code == 413
    assert response.content_type == PROBLEM


def test_unknown_paths_are_problem_404(client, make_user) -> None:
    user = make_user()
    response = client.get("/api/v1/users/me/elsewhere", headers=user.auth)
    assert response.status_code == 404
    assert response.content_type == PROBLEM
