"""The embedded gateway's per-caller limits (`make run`): the same policies, fields and 429
body as HAProxy's (ADR 0024), in front of a stand-in WSGI app."""

from __future__ import annotations

import json
from collections.abc import Iterable

from werkzeug.test import Client

from taskhive_gateway.router import CallerRateLimits, FixedWindowLimiter, GatewayRouter, Route

VALID = {"good-token": "user-1"}


def ok_app(environ: dict[str, object], start_response) -> Iterable[bytes]:  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"{}"]


def _client(reads: int = 3, writes: int = 2, anonymous: int = 2, per_address: int = 4) -> Client:
    limits = CallerRateLimits(
        reads=reads,
        writes=writes,
        anonymous=anonymous,
        key_per_address=per_address,
        window=60,
        subject_of=VALID.get,
    )
    router = GatewayRouter(
        [Route("/api/v1/tasks/", ok_app), Route("/", ok_app)], caller_limits=limits
    )
    return Client(router)


def _get(client: Client, token: str | None = None, address: str = "10.0.0.1", method: str = "GET"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.open(
        "/api/v1/tasks/x", method=method, headers=headers, environ_base={"REMOTE_ADDR": address}
    )


def test_a_verified_user_is_limited_across_addresses_with_the_fields():
    client = _client()
    answers = [_get(client, "good-token", address=f"10.0.0.{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"user-read";q=3;w=60'
    assert answers[0].headers["RateLimit"].startswith('"user-read";r=2;t=')
    refused = answers[3]
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert json.loads(refused.data)["limit"] == "user-read"
    assert int(refused.headers["Retry-After"]) >= 1
    assert _get(client, "good-token", method="POST").status_code == 200


def test_an_unverified_token_counts_as_its_address():
    client = _client()
    answers = [_get(client, f"forged-{n}") for n in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert json.loads(answers[2].data)["limit"] == "anonymous"


def test_api_keys_are_limited_per_key_and_capped_per_address():
    client = _client()
    assert [_get(client, "th_one").status_code for _ in range(4)] == [200, 200, 200, 429]
    spray = _get(client, "th_two")
    assert spray.status_code == 429
    assert json.loads(spray.data)["limit"] == "key-per-address"


def test_pages_carry_no_limit_fields():
    response = _client().get("/")
    assert "RateLimit" not in response.headers


def test_sign_in_reports_and_enforces_its_own_stricter_policy():
    limits = CallerRateLimits(
        reads=100, writes=100, anonymous=100, key_per_address=100, window=60, subject_of=VALID.get
    )
    router = GatewayRouter(
        [Route("/api/", ok_app)], caller_limits=limits, auth_limiter=FixedWindowLimiter(2, 60)
    )
    client = Client(router)
    answers = [client.post("/api/v1/auth/login", json={}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"sign-in";q=2;w=60'
    assert json.loads(answers[2].data)["limit"] == "sign-in"
