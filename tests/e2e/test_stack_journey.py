"""Journeys through HAProxy against the running stack: sessions, aliases, gateway policies."""

from __future__ import annotations

import http.client
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import jwt
import pytest

from tests.e2e.journeys import (
    PASSWORD,
    PROBLEM,
    STRICT_CSP,
    UUID_RE,
    assert_problem,
    auth_journey,
    bearer,
    files_journey,
    new_account,
    profile_journey,
    register,
    tasks_journey,
    time_journey,
)

if TYPE_CHECKING:
    from tests.e2e.conftest import Client, Stack


def test_register_login_refresh_reuse_logout(client: Client) -> None:
    auth_journey(client)


def test_registration_reaches_the_users_service(client: Client) -> None:
    profile_journey(client)


def test_export_and_import_jobs_through_the_gateway(client: Client) -> None:
    # API → Redis → tasks worker → file store → signed download through HAProxy, and back.
    files_journey(client)


def test_a_task_journey_through_the_gateway(client: Client, stack: Stack) -> None:
    journey = tasks_journey(client)
    # The assignment reaches the colleague by email: relay → RabbitMQ → tasks consumer →
    # Celery (Redis) → worker → SMTP, once.
    assert stack.mail is not None
    colleague = journey["colleague"]["email"]
    deadline = time.monotonic() + 30
    while not _subjects(stack, colleague, "assigned you") and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)  # a duplicate would arrive within this
    [subject] = _subjects(stack, colleague, "assigned you")
    assert "Quarterly budget review" in subject
    owner = journey["owner"]["email"]
    assert _subjects(stack, owner, "assigned you") == []
    # Everyone registered got one welcome email from the users service.
    assert len(_subjects(stack, colleague, "Welcome")) == 1


def test_time_is_tracked_from_the_workflow_and_rolls_up_to_the_task(client: Client) -> None:
    """Through HAProxy: timetracking's consumer follows the task's status (RabbitMQ), and
    tasks' consumer follows timetracking's entries into `actual_hours`."""
    time_journey(client)


def _subjects(stack: Stack, address: str, containing: str) -> list[str]:
    assert stack.mail is not None
    return [
        str(m["Subject"])
        for m in stack.mail.messages_to(address)
        if containing in str(m["Subject"])
    ]


def test_wrong_password_is_refused(client: Client) -> None:
    account = register(client)
    response = client.post(
        "/api/v1/auth/login", json={"username": account["username"], "password": PASSWORD + "x"}
    )
    assert_problem(response, 401)


def test_unversioned_alias_serves_v1(client: Client) -> None:
    account = register(client, "/api/auth/register")
    response = client.post(
        "/api/auth/login", json={"username": account["username"], "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == account["user"]["id"]


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/jwks.json/", "/api/auth/jwks.json/", "/api/v1/auth/openapi.json/"]
)
def test_trailing_slash_is_optional_without_redirect(client: Client, path: str) -> None:
    response = client.get(path, allow_redirects=False)
    assert response.status_code == 200, response.text


def test_trailing_slash_on_login(client: Client) -> None:
    account = register(client, "/api/v1/auth/register/")
    response = client.post(
        "/api/v1/auth/login/",
        json={"username": account["username"], "password": PASSWORD},
        allow_redirects=False,
    )
    assert response.status_code == 200, response.text


def test_well_known_jwks_verifies_access_tokens(client: Client) -> None:
    account = register(client)
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys
    assert keys == client.get("/api/v1/auth/jwks.json").json()["keys"]

    token = account["access_token"]
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(key for key in keys if key["kid"] == kid)
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]], audience="taskhive")
    assert claims["sub"] == account["user"]["id"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/v1/auth/jwks.json", 200),
        ("POST", "/api/v1/auth/login", 422),
        ("GET", "/no/such/path", 404),
        ("GET", "/gateway/livez", 200),
    ],
)
def test_request_id_generated_when_absent(
    client: Client, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, json={} if method == "POST" else None)
    assert response.status_code == status
    assert UUID_RE.match(response.headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/api/v1/auth/jwks.json", "/no/such/path"])
def test_request_id_echoed_when_sent(client: Client, path: str) -> None:
    request_id = f"e2e-{uuid.uuid4().hex}"
    response = client.get(path, headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


def test_malformed_request_id_is_replaced(client: Client) -> None:
    response = client.get("/api/v1/auth/jwks.json", headers={"X-Request-ID": "no spaces <here>"})
    assert UUID_RE.match(response.headers["X-Request-ID"])


@pytest.mark.parametrize("path", ["/api/v1/auth/jwks.json", "/api/v1/no/such/path"])
def test_security_headers_on_api_responses(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Content-Security-Policy"] == STRICT_CSP
    assert "Server" not in response.headers


def test_web_pages_keep_their_own_policy(client: Client) -> None:
    """The gateway adds its headers to pages too, but leaves the web UI's CSP and referrer
    policy (it allows the UI's own scripts and styles, still no inline code)."""
    response = client.get("/login")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "Server" not in response.headers


def test_docs_page_gets_a_policy_it_can_run_under(client: Client) -> None:
    response = client.get("/api/v1/auth/docs/")
    assert response.status_code == 200
    assert "swagger-ui-bundle.js" in response.text
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["Content-Security-Policy"].split("; ")
    }
    assert "'self'" in policy["script-src"]
    assert "'unsafe-inline'" in policy["script-src"]  # the page boots from an inline script
    assert "'self'" in policy["style-src"]
    assert "'self'" in policy["connect-src"]  # it fetches openapi.json
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Server" not in response.headers


def test_body_over_the_limit_is_refused(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/register",
        data=b"x" * (1024 * 1024 + 1),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_declared_length_over_the_limit_is_refused_before_the_body(stack: Stack) -> None:
    url = urlsplit(stack.base_url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("POST", "/api/v1/auth/register")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(50 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert response.getheader("Content-Type", "").startswith(PROBLEM)
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/api/v1/nothing/here", "/api/nothing", "/gateway/nothing"])
def test_unknown_api_path_is_a_problem(client: Client, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_other_paths_belong_to_the_web_ui(client: Client) -> None:
    # The web UI is the default backend: its own 404 page, under its own CSP.
    missing = client.get("/no/such/path")
    assert missing.status_code == 404
    assert missing.headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in missing.headers["Content-Security-Policy"]


def test_client_forwarding_headers_do_not_reach_the_rate_limit(stack: Stack) -> None:
    client = stack.client()
    # A forged X-Forwarded-For must not give a fresh identity: the limit follows the real address.
    statuses = [
        client.post(
            "/api/v1/auth/login",
            json={"username": "nobody", "password": PASSWORD},
            headers={"X-Forwarded-For": f"10.0.0.{n}", "X-Real-IP": f"10.0.1.{n}"},
        ).status_code
        for n in range(stack.auth_rate_limit + 1)
    ]
    assert statuses[-1] == 429


def test_login_and_register_are_rate_limited_per_address(stack: Stack) -> None:
    client = stack.client()
    # Every spelling of the two endpoints counts against the same budget.
    paths = ["/api/v1/auth/login", "/api/auth/login/", "/api/v1/auth/login/", "/api/auth/login"]
    for n in range(stack.auth_rate_limit):
        response = client.post(paths[n % len(paths)], json={"username": "x", "password": "y"})
        assert response.status_code == 401, response.text
    limited = client.post("/api/v1/auth/register/", json=new_account())
    body = assert_problem(limited, 429)
    assert body["detail"]
    assert int(limited.headers["Retry-After"]) > 0
    assert UUID_RE.match(limited.headers["X-Request-ID"])
    assert limited.headers["X-Content-Type-Options"] == "nosniff"

    # Other endpoints and other addresses keep working.
    assert client.get("/api/v1/auth/jwks.json").status_code == 200
    other = stack.client()
    response = other.post("/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert response.status_code == 401


def test_a_too_long_request_target_is_a_problem(client: Client) -> None:
    assert_problem(client.get("/api/v1/tasks/?q=" + "a" * 5000), 414)


def test_a_chunked_body_over_the_limit_is_a_problem_not_invalid_json(client: Client) -> None:
    account = register(client)

    def chunks() -> Iterator[bytes]:
        yield b'{"title": "'
        for _ in range(32):
            yield b"a" * 65_536
        yield b'"}'

    response = client.post(
        "/api/v1/tasks/",
        data=chunks(),
        headers={"Content-Type": "application/json", **bearer(account["access_token"])},
    )
    assert_problem(response, 413)
