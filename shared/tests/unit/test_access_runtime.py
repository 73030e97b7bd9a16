"""`build_access_runtime`: what every service's composition root builds first (its pool, the
verifier of access tokens, the denylist, the readiness checks). Nothing here connects: the
JWKS is served by a local HTTP server, the database and Redis are never reached."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import jwt
import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from pytest_httpserver import HTTPServer
from sqlalchemy.pool import QueuePool

from taskhive_shared.access_runtime import AccessRuntime, build_access_runtime, token_denylist
from taskhive_shared.security.denylist import InMemoryTokenDenylist, RedisTokenDenylist
from taskhive_shared.security.tokens import InvalidAccessToken, LocalKeyResolver

ISSUER = "taskhive-auth"
AUDIENCE = "taskhive"
KID = "key-1"
JWKS_PATH = "/api/v1/auth/jwks.json"


@dataclass(frozen=True)
class Settings:
    """What a service's settings offer `build_access_runtime` (the `AccessSettings` port)."""

    database_url: str = "postgresql://demo_app@127.0.0.1:5432/nowhere"
    db_pool_size: int = 3
    db_max_overflow: int = 2
    denylist_redis_url: str | None = None
    jwks_url: str | None = None
    jwt_issuer: str = ISSUER
    jwt_audience: str = AUDIENCE


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks(private_key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk.update({"kid": KID, "use": "sig", "alg": "RS256"})
    return {"keys": [jwk]}


def _token(private_key: rsa.RSAPrivateKey, jti: str | None = None) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(uuid.uuid4()),
        "iat": now,
        "exp": now + 300,
        "jti": jti or str(uuid.uuid4()),
        "role": "member",
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": KID, "typ": "at+jwt"})


@pytest.fixture
def built() -> Iterator[list[AccessRuntime]]:
    """Runtimes a test built; their pools are disposed after it."""
    runtimes: list[AccessRuntime] = []
    yield runtimes
    for runtime in runtimes:
        runtime.engine.dispose()


def test_without_a_jwks_url_or_a_key_resolver_it_stops_naming_the_service_s_setting() -> None:
    with pytest.raises(ValueError, match=r"^DEMO_JWKS_URL is required to verify access tokens$"):
        build_access_runtime(Settings(), env_prefix="DEMO_")


def test_keys_come_from_the_jwks_url_when_no_resolver_is_given(
    httpserver: HTTPServer,
    jwks: dict[str, Any],
    private_key: rsa.RSAPrivateKey,
    built: list[AccessRuntime],
) -> None:
    httpserver.expect_request(JWKS_PATH, method="GET").respond_with_json(jwks)
    runtime = build_access_runtime(
        Settings(jwks_url=httpserver.url_for(JWKS_PATH)), env_prefix="DEMO_"
    )
    built.append(runtime)
    assert runtime.verifier.verify(_token(private_key)).role == "member"


def test_without_a_redis_url_the_denylist_is_in_process_and_readiness_checks_the_database_only(
    jwks: dict[str, Any], private_key: rsa.RSAPrivateKey, built: list[AccessRuntime]
) -> None:
    runtime = build_access_runtime(
        Settings(), env_prefix="DEMO_", key_resolver=LocalKeyResolver(lambda: jwks)
    )
    built.append(runtime)
    assert isinstance(runtime.denylist, InMemoryTokenDenylist)
    assert list(runtime.readiness) == ["database"]
    jti = str(uuid.uuid4())
    runtime.denylist.deny(jti, int(time.time()) + 60)
    with pytest.raises(InvalidAccessToken, match="token revoked"):
        runtime.verifier.verify(_token(private_key, jti))


def test_with_a_redis_url_the_denylist_is_redis_and_readiness_pings_it(
    built: list[AccessRuntime],
) -> None:
    """No connection is made here: a Redis nobody listens on fails its readiness check."""
    settings = Settings(
        jwks_url="http://127.0.0.1:9/jwks.json", denylist_redis_url="redis://127.0.0.1:9/0"
    )
    runtime = build_access_runtime(settings, env_prefix="DEMO_")
    built.append(runtime)
    assert isinstance(runtime.denylist, RedisTokenDenylist)
    assert list(runtime.readiness) == ["database", "redis"]
    with pytest.raises(redis.exceptions.ConnectionError):
        runtime.readiness["redis"]()


def test_a_given_denylist_is_used_and_adds_no_readiness_check(
    jwks: dict[str, Any], private_key: rsa.RSAPrivateKey, built: list[AccessRuntime]
) -> None:
    """The embedded mode and tests give one denylist to every service: the settings' Redis
    is then neither built nor checked."""
    given = InMemoryTokenDenylist()
    runtime = build_access_runtime(
        Settings(denylist_redis_url="redis://127.0.0.1:9/0"),
        env_prefix="DEMO_",
        key_resolver=LocalKeyResolver(lambda: jwks),
        denylist=given,
    )
    built.append(runtime)
    assert runtime.denylist is given
    assert list(runtime.readiness) == ["database"]
    jti = str(uuid.uuid4())
    given.deny(jti, int(time.time()) + 60)
    with pytest.raises(InvalidAccessToken, match="token revoked"):
        runtime.verifier.verify(_token(private_key, jti))


def test_when_jwks_is_optional_a_runtime_without_it_refuses_every_token(
    private_key: rsa.RSAPrivateKey, built: list[AccessRuntime]
) -> None:
    runtime = build_access_runtime(Settings(), env_prefix="DEMO_", jwks_required=False)
    built.append(runtime)
    with pytest.raises(InvalidAccessToken, match="this process verifies no tokens"):
        runtime.verifier.verify(_token(private_key))


@pytest.mark.parametrize(("liveness", "pre_ping"), [("ping", True), ("socket", False)])
def test_the_pool_has_the_settings_sizes_and_the_liveness_asked_for(
    liveness: Any, pre_ping: bool, built: list[AccessRuntime]
) -> None:
    settings = replace(Settings(), db_pool_size=7, db_max_overflow=4)
    runtime = build_access_runtime(
        settings, env_prefix="DEMO_", jwks_required=False, liveness=liveness
    )
    built.append(runtime)
    pool = runtime.engine.pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow, pool._pre_ping) == (7, 4, pre_ping)


def test_token_denylist_is_redis_only_with_a_url() -> None:
    assert isinstance(token_denylist(None), InMemoryTokenDenylist)
    assert isinstance(token_denylist(""), InMemoryTokenDenylist)
    assert isinstance(token_denylist("redis://127.0.0.1:9/0"), RedisTokenDenylist)
