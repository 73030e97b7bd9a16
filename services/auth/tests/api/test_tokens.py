"""Refresh rotation, reuse detection, logout, password change, JWKS and JWT attacks."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

PROBLEM = "application/problem+json"


@pytest.fixture
def session(client, new_user):
    body = new_user()
    tokens = client.post("/api/v1/auth/register", json=body).get_json()
    return body, tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_refresh_rotates_and_spends_the_old_token(client, session):
    _, tokens = session
    first = _refresh(client, tokens["refresh_token"])
    assert first.status_code == 200
    rotated = first.get_json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    assert rotated["access_token"] != tokens["access_token"]
    assert _refresh(client, rotated["refresh_token"]).status_code == 200


def test_reused_refresh_token_revokes_the_whole_family(client, session):
    _, tokens = session
    rotated = _refresh(client, tokens["refresh_token"]).get_json()

    reuse = _refresh(client, tokens["refresh_token"])

    assert reuse.status_code == 401
    assert reuse.content_type == PROBLEM
    # The legitimate holder's newer token died with the family.
    assert _refresh(client, rotated["refresh_token"]).status_code == 401


def _token_works(client, access_token: str) -> bool:
    """Probe with a wrong current password: 422 when the token is accepted, 401 when not."""
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-the-password", "new_password": "a-new-long-passphrase"},
        headers=_bearer(access_token),
    )
    assert response.status_code in (401, 422), response.get_json()
    return response.status_code == 422


def test_reuse_revokes_the_sessions_access_tokens_at_once(client, session, auth_runtime):
    body, tokens = session
    other = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    ).get_json()
    rotated = _refresh(client, tokens["refresh_token"]).get_json()
    assert _token_works(client, tokens["access_token"])
    assert _token_works(client, rotated["access_token"])

    assert _refresh(client, tokens["refresh_token"]).status_code == 401

    # Both access tokens of the reused session die now, not when they expire.
    for access_token in (tokens["access_token"], rotated["access_token"]):
        refused = client.post(
            "/api/v1/auth/logout",
            json={"refresh_token": rotated["refresh_token"]},
            headers=_bearer(access_token),
        )
        assert refused.status_code == 401
        assert "revoked" in refused.get_json()["detail"]
        # Every service's verifier shares the denylist.
        claims = jwt.decode(access_token, options={"verify_signature": False})
        assert auth_runtime.denylist.is_denied("another-jti", claims["sid"])
    assert _token_works(client, other["access_token"])


def test_logout_revokes_every_access_token_of_the_session(client, session):
    _, tokens = session
    rotated = _refresh(client, tokens["refresh_token"]).get_json()
    response = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": rotated["refresh_token"]},
        headers=_bearer(rotated["access_token"]),
    )
    assert response.status_code == 204
    # The first access token of that session was never presented, and still dies with it.
    assert not _token_works(client, tokens["access_token"])


def test_other_sessions_survive_a_reuse_in_one_family(client, session):
    body, tokens = session
    other = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    ).get_json()
    _refresh(client, tokens["refresh_token"])
    _refresh(client, tokens["refresh_token"])
    assert _refresh(client, other["refresh_token"]).status_code == 200


@pytest.mark.parametrize("token", ["", "x" * 513, "not-a-token"])
def test_bad_refresh_tokens_are_refused(client, token):
    response = _refresh(client, token)
    assert response.status_code in (401, 422)
    assert response.content_type == PROBLEM


def test_logout_revokes_family_and_access_token(client, session, auth_runtime):
    _, tokens = session
    response = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=_bearer(tokens["access_token"]),
    )
    assert response.status_code == 204
    assert _refresh(client, tokens["refresh_token"]).status_code == 401
    again = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=_bearer(tokens["access_token"]),
    )
    assert again.status_code == 401
    assert "revoked" in again.get_json()["detail"]
    # The denylist is shared: any service's verifier refuses the token now.
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert auth_runtime.denylist.is_denied(claims["jti"])


def test_logout_cannot_end_another_users_session(client, session, new_user):
    _, victim = session
    attacker = client.post("/api/v1/auth/register", json=new_user()).get_json()
    response = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": victim["refresh_token"]},
        headers=_bearer(attacker["access_token"]),
    )
    assert response.status_code == 204
    assert _refresh(client, victim["refresh_token"]).status_code == 200


def test_logout_requires_a_bearer_token(client, session):
    _, tokens = session
    response = client.post("/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.content_type == PROBLEM


def test_change_password_ends_other_sessions_only(client, session):
    body, tokens = session
    other = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    ).get_json()
    new_password = body["password"] + "-changed"

    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": body["password"], "new_password": new_password},
        headers=_bearer(tokens["access_token"]),
    )

    assert response.status_code == 204
    assert _refresh(client, other["refresh_token"]).status_code == 401
    assert not _token_works(client, other["access_token"])
    assert _token_works(client, tokens["access_token"])
    assert _refresh(client, tokens["refresh_token"]).status_code == 200
    old_login = {"username": body["username"], "password": body["password"]}
    assert client.post("/api/v1/auth/login", json=old_login).status_code == 401
    new_login = {"username": body["username"], "password": new_password}
    assert client.post("/api/v1/auth/login", json=new_login).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-current-pw", "a-fine-new-password", "current_password"),
        (None, "short", "new_password"),
        (None, "password1", "new_password"),
        (None, None, "new_password"),
    ],
)
def test_change_password_refusals(client, session, current, new, field):
    body, tokens = session
    payload = {
        "current_password": current or body["password"],
        "new_password": new or body["password"],
    }
    response = client.post(
        "/api/v1/auth/password", json=payload, headers=_bearer(tokens["access_token"])
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    login = {"username": body["username"], "password": body["password"]}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_jwks_publishes_the_signing_key(client, session):
    _, tokens = session
    response = client.get("/api/v1/auth/jwks.json")
    assert response.status_code == 200
    keys = response.get_json()["keys"]
    kid = jwt.get_unverified_header(tokens["access_token"])["kid"]
    assert kid in {key["kid"] for key in keys}
    assert all("d" not in key for key in keys), "private parts must never be published"
    assert all(key["alg"] == "RS256" for key in keys)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forge(tokens: dict, header_changes: dict, claim_changes: dict, key=None, alg="RS256") -> str:
    header = jwt.get_unverified_header(tokens["access_token"]) | header_changes
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    claims |= claim_changes
    if alg == "none":
        return f"{_b64(header | {'alg': 'none'})}.{_b64(claims)}."
    return jwt.encode(claims, key, algorithm=alg, headers=header)


def _other_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    "attack",
    [
        "alg_none",
        "hs256_with_public_key",
        "expired",
        "wrong_audience",
        "wrong_issuer",
        "unknown_kid",
        "foreign_key_same_kid",
        "not_an_access_token",
        "garbage",
    ],
)
def test_forged_access_tokens_are_refused(client, session, signing_keys, attack):
    _, tokens = session
    own_key = signing_keys.active.private_key
    now = int(time.time())
    public_pem = own_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    forged = {
        "alg_none": lambda: _forge(tokens, {}, {}, alg="none"),
        "hs256_with_public_key": lambda: _hs256(tokens, public_pem),
        "expired": lambda: _forge(tokens, {}, {"exp": now - 60, "iat": now - 1000}, own_key),
        "wrong_audience": lambda: _forge(tokens, {}, {"aud": "someone-else"}, own_key),
        "wrong_issuer": lambda: _forge(tokens, {}, {"iss": "evil"}, own_key),
        "unknown_kid": lambda: _forge(tokens, {"kid": "nope"}, {}, own_key),
        "foreign_key_same_kid": lambda: _forge(tokens, {}, {"role": "admin"}, _other_key()),
        "not_an_access_token": lambda: _forge(tokens, {"typ": "JWT"}, {}, own_key),
        "garbage": lambda: "a.b.c",
    }[attack]()
    response = client.post(
        "/api/v1/auth/logout",
        json={"refresh_token": tokens["refresh_token"]},
        headers=_bearer(forged),
    )
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    # The session is untouched: the forged call did nothing.
    assert _refresh(client, tokens["refresh_token"]).status_code == 200


def _hs256(tokens: dict, secret: bytes) -> str:
    """Key-confusion attack, signed by hand (PyJWT refuses PEM keys as HMAC secrets)."""
    import hashlib
    import hmac

    header = jwt.get_unverified_header(tokens["access_token"]) | {"alg": "HS256"}
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
