"""Per-user, per-key and anonymous rate limits of the real HAProxy gateway (ADR 0024):
the IETF RateLimit fields on every API response, 429 problem+json naming the limit, a
verified token's subject counted across addresses, forged or expired tokens as anonymous."""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.gateway.conftest import Gateway, free_port, run_gateway

READS, WRITES, ANON, KEY_IP, SIGN_IN = 5, 3, 4, 8, 2
SECRET = "gateway-test-web-secret-0123456789"
_addresses = (f"10.9.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def limited(
    tmp_path_factory: pytest.TempPathFactory, signing_key: rsa.RSAPrivateKey
) -> Iterator[tuple[Gateway, int]]:
    public = tmp_path_factory.mktemp("keys") / "gateway-jwt.pem"
    public.write_bytes(
        signing_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    internal = free_port()
    env = {
        "GATEWAY_JWT_PUBLIC_KEY": str(public),
        "GATEWAY_USER_READ_LIMIT": str(READS),
        "GATEWAY_USER_WRITE_LIMIT": str(WRITES),
        "GATEWAY_ANON_LIMIT": str(ANON),
        "GATEWAY_KEY_IP_LIMIT": str(KEY_IP),
        "GATEWAY_AUTH_RATE_LIMIT": str(SIGN_IN),
        "GATEWAY_WEB_SECRET": SECRET,
        "GATEWAY_INTERNAL_PORT": str(internal),
    }
    for gateway in run_gateway(tmp_path_factory, env):
        yield gateway, internal


def _token(
    key: rsa.RSAPrivateKey, sub: str, *, exp: int | None = None, iss: str = "taskhive-auth"
) -> str:
    now = int(time.time())
    claims = {
        "sub": sub,
        "iss": iss,
        "aud": "taskhive",
        "iat": now,
        "exp": exp or now + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"typ": "at+jwt", "kid": "k1"})


def _get(
    limited: tuple[Gateway, int], address: str, token: str | None = None, method: str = "GET"
) -> requests.Response:
    """From `address`: the internal listener counts the address the web service vouches for."""
    _, internal = limited
    headers = {"X-Internal-Web-Secret": SECRET, "X-Internal-Client-IP": address}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = f"http://127.0.0.1:{internal}/api/v1/tasks/" + ("echo" if method == "POST" else "pid")
    body = {"title": "x"} if method == "POST" else None
    return requests.request(method, url, headers=headers, json=body, timeout=10)


def _policy(response: requests.Response) -> str:
    return response.headers["RateLimit-Policy"].split(";")[0].strip('"')


def _remaining(response: requests.Response) -> int:
    fields = dict(part.split("=") for part in response.headers["RateLimit"].split(";")[1:])
    return int(fields["r"])


def test_anonymous_calls_carry_the_fields_and_are_limited_per_address(limited):
    address = next(_addresses)
    answers = [_get(limited, address) for _ in range(ANON + 1)]
    assert [a.status_code for a in answers[:ANON]] == [200] * ANON
    assert answers[0].headers["RateLimit-Policy"] == f'"anonymous";q={ANON};w=60'
    assert [_remaining(a) for a in answers[:ANON]] == list(range(ANON - 1, -1, -1))
    refused = answers[ANON]
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert refused.json()["limit"] == "anonymous"
    assert refused.json()["status"] == 429
    assert "anonymous" in refused.json()["detail"]
    assert int(refused.headers["Retry-After"]) == 60
    assert _remaining(refused) == 0
    # Another address has its own allowance.
    assert _get(limited, next(_addresses)).status_code == 200


def test_a_user_is_limited_across_addresses(limited, signing_key):
    token = _token(signing_key, str(uuid.uuid4()))
    first, second = next(_addresses), next(_addresses)
    statuses = [_get(limited, first if n % 2 else second, token).status_code for n in range(READS)]
    assert statuses == [200] * READS
    over = _get(limited, next(_addresses), token)
    assert over.status_code == 429
    assert over.json()["limit"] == "user-read"
    # Writes are a class of their own.
    write = _get(limited, first, token, method="POST")
    assert write.status_code == 201
    assert _policy(write) == "user-write"


def test_users_behind_one_address_each_have_their_own_limit(limited, signing_key):
    address = next(_addresses)
    for _ in range(READS):
        assert _get(limited, address, _token(signing_key, str(uuid.uuid4()))).status_code == 200
    answer = _get(limited, address, _token(signing_key, str(uuid.uuid4())))
    assert answer.status_code == 200
    assert _policy(answer) == "user-read"


@pytest.mark.parametrize("kind", ["forged", "expired", "other-issuer", "garbage"])
def test_an_unverified_token_is_limited_as_anonymous(limited, signing_key, kind):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "forged": lambda: _token(other, str(uuid.uuid4())),
        "expired": lambda: _token(signing_key, str(uuid.uuid4()), exp=int(time.time()) - 10),
        "other-issuer": lambda: _token(signing_key, str(uuid.uuid4()), iss="evil"),
        "garbage": lambda: "a.b.c",
    }[kind]
    address = next(_addresses)
    # A new subject on every request: if they were trusted, none would ever be limited.
    answers = [_get(limited, address, token()) for _ in range(ANON + 1)]
    assert _policy(answers[0]) == "anonymous"
    assert answers[-1].status_code == 429
    assert answers[-1].json()["limit"] == "anonymous"


def test_api_keys_are_limited_per_key_and_per_address(limited):
    key = "th_" + uuid.uuid4().hex * 2
    address = next(_addresses)
    answers = [_get(limited, address, key) for _ in range(READS + 1)]
    assert _policy(answers[0]) == "key-read"
    assert answers[-1].status_code == 429
    assert answers[-1].json()["limit"] == "key-read"
    # Made-up keys from one address stop at the per-address cap.
    spray = [_get(limited, address, "th_" + uuid.uuid4().hex) for _ in range(KEY_IP)]
    assert spray[-1].status_code == 429
    assert spray[-1].json()["limit"] == "key-per-address"


def test_pages_and_gateway_probes_carry_no_limit_fields(limited):
    gateway, _ = limited
    assert "RateLimit" not in requests.get(gateway.url("/gateway/livez"), timeout=5).headers


def test_sign_in_reports_and_enforces_its_own_stricter_policy(limited):
    _, internal = limited
    headers = {"X-Internal-Web-Secret": SECRET, "X-Internal-Client-IP": next(_addresses)}
    url = f"http://127.0.0.1:{internal}/api/v1/auth/login"
    answers = [requests.post(url, json={}, headers=headers, timeout=10) for _ in range(SIGN_IN + 1)]
    assert answers[0].headers["RateLimit-Policy"] == f'"sign-in";q={SIGN_IN};w=60'
    assert answers[-1].status_code == 429
    assert answers[-1].json()["limit"] == "sign-in"
    assert answers[-1].headers["Retry-After"] == "60"
    assert _remaining(answers[-1]) == 0
