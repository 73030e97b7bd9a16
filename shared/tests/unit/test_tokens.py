"""AccessTokenVerifier with real RS256 keys, LocalKeyResolver and JwksKeyResolver (over HTTP).

Keys are generated here and tokens signed with PyJWT directly, so these tests depend on no
service: they pin what *any* issuer must produce for Taskhive services to accept a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from jwt.algorithms import RSAAlgorithm
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    InvalidAccessToken,
    JwksKeyResolver,
    LocalKeyResolver,
    Principal,
)

ISSUER = "https://taskhive.test/auth"
AUDIENCE = "taskhive"


@dataclass(frozen=True)
class Key:
    kid: str
    private: rsa.RSAPrivateKey

    @property
    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk


def _new_key(kid: str) -> Key:
    return Key(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def key() -> Key:
    return _new_key("key-1")


@pytest.fixture(scope="module")
def second_key() -> Key:
    return _new_key("key-2")


@pytest.fixture(scope="module")
def impostor(key: Key) -> Key:
    """Another private key that claims the trusted key's kid."""
    return _new_key(key.kid)


_DROP = object()


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": str(uuid.uuid4()),
        "role": "manager",
        "sid": "0194a1b2-0000-7000-8000-000000000001",
    }
    for name, value in overrides.items():
        if value is _DROP:
            claims.pop(name)
        else:
            claims[name] = value
    return claims


def _sign(key: Key, claims: dict[str, Any] | None = None, **headers: Any) -> str:
    header = {"kid": key.kid, "typ": "at+jwt", **headers}
    header = {k: v for k, v in header.items() if v is not _DROP}
    return jwt.encode(claims or _claims(), key.private, algorithm="RS256", headers=header)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _handmade(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(sign(signing_input.encode()))}"


@pytest.fixture
def denylist() -> InMemoryTokenDenylist:
    return InMemoryTokenDenylist()


@pytest.fixture
def verifier(key: Key, second_key: Key, denylist: InMemoryTokenDenylist) -> AccessTokenVerifier:
    jwks = {"keys": [key.jwk, second_key.jwk]}
    return AccessTokenVerifier(
        LocalKeyResolver(lambda: jwks), denylist, issuer=ISSUER, audience=AUDIENCE
    )


def _refused(verifier: AccessTokenVerifier, token: str, reason: str | None = None) -> None:
    with pytest.raises(InvalidAccessToken) as caught:
        verifier.verify(token)
    if reason is not None:
        assert str(caught.value) == reason


# --- accepted ----------------------------------------------------------------------------


def test_a_valid_token_gives_the_principal(verifier: AccessTokenVerifier, key: Key) -> None:
    claims = _claims()
    principal = verifier.verify(_sign(key, claims))
    assert principal == Principal(
        user_id=claims["sub"],
        role="manager",
        jti=claims["jti"],
        expires_at=claims["exp"],
        session_id=claims["sid"],
    )


def test_every_key_of_the_set_verifies(verifier: AccessTokenVerifier, second_key: Key) -> None:
    assert verifier.verify(_sign(second_key)).role == "manager"


def test_a_token_within_the_leeway_is_accepted(verifier: AccessTokenVerifier, key: Key) -> None:
    verifier.verify(_sign(key, _claims(exp=int(time.time()) - 2)))


# --- refused -----------------------------------------------------------------------------


def test_alg_none_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    token = _handmade({"alg": "none", "typ": "at+jwt", "kid": key.kid}, _claims(), lambda _: b"")
    _refused(verifier, token, "unexpected signing algorithm")
    _refused(verifier, token.rstrip("."), None)


def test_hs256_signed_with_the_public_key_as_secret_is_refused(
    verifier: AccessTokenVerifier, key: Key
) -> None:
    # The classic algorithm-confusion attack: the public key is, after all, public.
    token = _handmade(
        {"alg": "HS256", "typ": "at+jwt", "kid": key.kid},
        _claims(),
        lambda data: hmac.new(key.public_pem, data, hashlib.sha256).digest(),
    )
    _refused(verifier, token, "unexpected signing algorithm")


def test_a_token_with_alg_rs256_but_an_hmac_signature_is_refused(
    verifier: AccessTokenVerifier, key: Key
) -> None:
    token = _handmade(
        {"alg": "RS256", "typ": "at+jwt", "kid": key.kid},
        _claims(),
        lambda data: hmac.new(key.public_pem, data, hashlib.sha256).digest(),
    )
    _refused(verifier, token, "invalid token")


def test_an_expired_token_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    now = int(time.time())
    token = _sign(key, _claims(iat=now - 1000, nbf=now - 1000, exp=now - 60))
    _refused(verifier, token, "token expired")


@pytest.mark.parametrize("audience", ["tasks", "", ["other", "another"]])
def test_a_wrong_audience_is_refused(
    verifier: AccessTokenVerifier, key: Key, audience: Any
) -> None:
    _refused(verifier, _sign(key, _claims(aud=audience)), "invalid token")


def test_an_audience_list_containing_ours_is_accepted(
    verifier: AccessTokenVerifier, key: Key
) -> None:
    verifier.verify(_sign(key, _claims(aud=["other", AUDIENCE])))


@pytest.mark.parametrize("issuer", ["https://evil.test/auth", "", ISSUER + "/"])
def test_a_wrong_issuer_is_refused(verifier: AccessTokenVerifier, key: Key, issuer: str) -> None:
    _refused(verifier, _sign(key, _claims(iss=issuer)), "invalid token")


@pytest.mark.parametrize("claim", ["jti", "exp", "iat", "sub", "iss", "aud"])
def test_a_missing_required_claim_is_refused(
    verifier: AccessTokenVerifier, key: Key, claim: str
) -> None:
    _refused(verifier, _sign(key, _claims(**{claim: _DROP})))


def test_a_token_not_yet_valid_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    _refused(verifier, _sign(key, _claims(nbf=int(time.time()) + 600)), "invalid token")


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT-x", "", _DROP])
def test_a_typ_other_than_at_jwt_is_refused(
    verifier: AccessTokenVerifier, key: Key, typ: Any
) -> None:
    _refused(verifier, _sign(key, typ=typ), "not an access token")


def test_a_missing_kid_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    _refused(verifier, _sign(key, kid=_DROP), "missing key id")


def test_an_unknown_kid_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    _refused(verifier, _sign(key, kid="no-such-key"), "unknown signing key")


def test_a_token_signed_by_another_key_with_the_same_kid_is_refused(
    verifier: AccessTokenVerifier, impostor: Key
) -> None:
    _refused(verifier, _sign(impostor), "invalid token")


def test_a_tampered_payload_is_refused(verifier: AccessTokenVerifier, key: Key) -> None:
    header, _, signature = _sign(key, _claims(role="member")).split(".")
    forged = _b64(json.dumps(_claims(role="admin")).encode())
    _refused(verifier, f"{header}.{forged}.{signature}", "invalid token")


def test_a_denylisted_jti_is_refused(
    verifier: AccessTokenVerifier, key: Key, denylist: InMemoryTokenDenylist
) -> None:
    claims = _claims()
    token = _sign(key, claims)
    verifier.verify(token)
    denylist.deny(claims["jti"], claims["exp"])
    _refused(verifier, token, "token revoked")


def test_every_token_of_a_denylisted_session_is_refused(
    verifier: AccessTokenVerifier, key: Key, denylist: InMemoryTokenDenylist
) -> None:
    first, second = _claims(), _claims()
    other_session = _claims(sid="0194a1b2-0000-7000-8000-000000000002")
    for claims in (first, second, other_session):
        verifier.verify(_sign(key, claims))
    denylist.deny_sessions([first["sid"]], first["exp"])
    _refused(verifier, _sign(key, first), "token revoked")
    _refused(verifier, _sign(key, second), "token revoked")
    verifier.verify(_sign(key, other_session))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b.c",
        "a.b",
        "...",
        "Bearer x.y.z",
        "ünïcode.tökén.x",
        _b64(b"[1,2]") + "." + _b64(b"{}") + ".x",  # header is not an object
        _b64(b'{"alg":"RS256","typ":"at+jwt","kid":"key-1"}') + ".not-base64!.sig",
        _b64(b'{"alg":"RS256","typ":"at+jwt","kid":"key-1"}') + "." + _b64(b"[]") + ".sig",
    ],
)
def test_garbage_is_refused(verifier: AccessTokenVerifier, token: str) -> None:
    _refused(verifier, token)


@pytest.mark.parametrize("kid", [123, "", None, ["key-1"]])
def test_a_non_string_or_empty_kid_is_refused(
    verifier: AccessTokenVerifier, key: Key, kid: Any
) -> None:
    token = _handmade(
        {"alg": "RS256", "typ": "at+jwt", "kid": kid},
        _claims(),
        lambda data: key.private.sign(data, padding.PKCS1v15(), hashes.SHA256()),
    )
    # The signature is good: only the kid is wrong ("malformed token" or "missing key id").
    _refused(verifier, token)


# --- LocalKeyResolver --------------------------------------------------------------------


def test_local_resolver_reads_the_jwks_lazily_and_caches(key: Key) -> None:
    calls = []

    def jwks() -> dict[str, Any]:
        calls.append(1)
        return {"keys": [key.jwk]}

    resolver = LocalKeyResolver(jwks)
    assert calls == []
    first = resolver.key_for(key.kid)
    second = resolver.key_for(key.kid)
    assert first is second
    assert len(calls) == 1
    with pytest.raises(InvalidAccessToken, match="unknown signing key"):
        resolver.key_for("other")


# --- JwksKeyResolver over HTTP -----------------------------------------------------------


class _JwksEndpoint:
    """Serves a JWKS document that a test can change between requests."""

    def __init__(self, keys: list[Key]) -> None:
        self.keys = keys

    def __call__(self, request: Request) -> Response:
        body = json.dumps({"keys": [k.jwk for k in self.keys]})
        return Response(body, status=200, content_type="application/json")


@pytest.fixture
def jwks_server(httpserver: HTTPServer, key: Key) -> tuple[HTTPServer, _JwksEndpoint]:
    endpoint = _JwksEndpoint([key])
    httpserver.expect_request("/api/v1/auth/jwks.json", method="GET").respond_with_handler(endpoint)
    return httpserver, endpoint


def _remote_verifier(server: HTTPServer) -> AccessTokenVerifier:
    resolver = JwksKeyResolver(server.url_for("/api/v1/auth/jwks.json"), cache_seconds=300)
    return AccessTokenVerifier(resolver, InMemoryTokenDenylist(), issuer=ISSUER, audience=AUDIENCE)


def test_jwks_is_fetched_once_and_cached(
    jwks_server: tuple[HTTPServer, _JwksEndpoint], key: Key
) -> None:
    server, _ = jwks_server
    verifier = _remote_verifier(server)
    assert len(server.log) == 0
    for _ in range(3):
        verifier.verify(_sign(key))
    assert len(server.log) == 1


# The module's contract (security/tokens.py): "an unknown `kid` triggers one refetch", so a
# key that auth has just rotated in is picked up by the very next token that uses it.


def test_an_unknown_kid_triggers_one_refetch_that_can_find_a_new_key(
    jwks_server: tuple[HTTPServer, _JwksEndpoint], key: Key, second_key: Key
) -> None:
    server, endpoint = jwks_server
    verifier = _remote_verifier(server)
    verifier.verify(_sign(key))
    assert len(server.log) == 1
    # Auth rotates: the new key appears in its JWKS after our cache was filled.
    endpoint.keys = [second_key, key]
    verifier.verify(_sign(second_key))
    assert len(server.log) == 2
    # Both keys are cached now.
    verifier.verify(_sign(second_key))
    verifier.verify(_sign(key))
    assert len(server.log) == 2


def test_a_kid_still_unknown_after_the_refetch_is_refused(
    jwks_server: tuple[HTTPServer, _JwksEndpoint], key: Key, second_key: Key
) -> None:
    server, _ = jwks_server
    verifier = _remote_verifier(server)
    verifier.verify(_sign(key))
    with pytest.raises(InvalidAccessToken, match="unknown signing key"):
        verifier.verify(_sign(second_key))
    assert len(server.log) == 2  # the cached fetch, then exactly one refetch


def test_remote_keys_refuse_an_impostor_with_a_known_kid(
    jwks_server: tuple[HTTPServer, _JwksEndpoint], impostor: Key
) -> None:
    server, _ = jwks_server
    with pytest.raises(InvalidAccessToken, match="invalid token"):
        _remote_verifier(server).verify(_sign(impostor))
