"""Issue 11's findings, replayed through the gateway of the running stack: hostile bodies and
queries are 422 problems (some before sign-in), a forged Host never reaches a Link header, and
a reused refresh token ends its session's access tokens in every service at once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.journeys import PROBLEM, assert_problem, bearer, register, wait_for_profile
from tests.fuzz.conftest import World

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/api/v1/auth/refresh", '{"refresh_token": "a\\ud800b"}', "refresh_token"),
        ("/api/v1/auth/login", '{"username": "x", "password": "p\\ud800"}', "password"),
        ("/api/v1/auth/login", '{"username": ' + "[" * 1000 + "]" * 1000 + "}", "_schema"),
        ("/api/v1/auth/register", '{"username": ' + "1" * 4400 + "}", "username"),
    ],
)
def test_hostile_bodies_before_sign_in_are_422(
    world: World, path: str, raw: str, field: str
) -> None:
    response = world.client.post(path, data=raw, headers=JSON)
    body = assert_problem(response, 422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        ("/api/v1/tasks/", '{"title": "t", "estimated_hours": 1e26}', "estimated_hours"),
        ("/api/v1/tasks/", '{"title": "t", "metadata": {"k": "\\u0000"}}', "metadata.k"),
        ("/api/v1/tasks/", '{"title": "t", "metadata": {"n": 1e400}}', "metadata.n"),
        ("/api/v1/tasks/", '{"title": "t", "due_date": "0001-01-01T00:00:00+01:00"}', "due_date"),
        (
            "/api/v1/task-templates/",
            '{"name": "n", "title": "t", "estimated_hours": "1e26"}',
            "estimated_hours",
        ),
        ("/api/v1/teams/", '{"name": "a\\u0000"}', "name"),
    ],
)
def test_hostile_bodies_of_signed_in_calls_are_422(
    world: World, path: str, raw: str, field: str
) -> None:
    response = world.client.post(path, data=raw, headers=JSON | bearer(world.token))
    body = assert_problem(response, 422)
    assert list(body["errors"]) == [field]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tasks/?q=%00",
        "/api/v1/tasks/?tag=%00",
        "/api/v1/users/?q=%00",
        "/api/v1/tags/?q=%00",
    ],
)
def test_nul_in_a_query_is_422_naming_the_parameter(world: World, path: str) -> None:
    body = assert_problem(world.client.get(path, headers=bearer(world.token)), 422)
    name = path.split("?")[1].split("=")[0]
    assert list(body["errors"]) == [f"query.{name}"]


@pytest.mark.parametrize("path", ["/api/v1/users/?limit=1", "/api/v1/tasks/?limit=1"])
def test_a_forged_host_never_reaches_the_link_header(world: World, path: str) -> None:
    for _ in range(2):  # at least two items: a next page
        world.client.post("/api/v1/tasks/", json={"title": "page"}, headers=bearer(world.token))
    other = register(world.client)
    assert wait_for_profile(world.client, other["access_token"]).status_code == 200
    response = world.client.get(path, headers=bearer(world.token) | {"Host": "evil.example"})
    assert response.status_code == 200, response.text
    link = response.headers["Link"]
    assert "evil" not in link
    target = link[1 : link.index(">")]
    assert target.startswith((world.client.base_url + "/api/v1/", "/api/v1/")), link


def _works(world: World, token: str) -> Any:
    return world.client.get("/api/v1/tasks/?limit=1", headers=bearer(token))


def test_reusing_a_refresh_token_ends_the_sessions_access_tokens_everywhere(
    world: World,
) -> None:
    first = register(world.client)
    rotated = world.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    ).json()
    for token in (first["access_token"], rotated["access_token"]):
        assert world.client.get("/api/v1/users/me", headers=bearer(token)).status_code in (
            200,
            404,  # the profile may still be on its way
        )

    reuse = world.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert_problem(reuse, 401)

    for token in (first["access_token"], rotated["access_token"]):
        for path in ("/api/v1/users/me", "/api/v1/tasks/?limit=1"):
            refused = world.client.get(path, headers=bearer(token))
            assert refused.status_code == 401, (path, refused.text)
            assert refused.headers["Content-Type"].startswith(PROBLEM)
            assert "revoked" in refused.json()["detail"]
    # Other sessions go on.
    assert _works(world, world.token).status_code == 200
