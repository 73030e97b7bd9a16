"""What every service's composition root builds first: its database pool, the access-token
verifier and the denylist behind it, and the readiness checks of the two.

Each `<svc>_service.bootstrap.build_runtime` calls `build_access_runtime` with what is its own
(its settings prefix, whether it may run without a JWKS URL, its pool's liveness check) and
with the key resolver and denylist the embedded mode and tests give. Nothing here connects
when called: the pool, the JWKS client and the Redis client connect on first use (DESIGN §1.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine

from taskhive_shared.db.engine import Liveness, create_db_engine, database_ready
from taskhive_shared.http.health import ReadinessCheck
from taskhive_shared.security.denylist import (
    InMemoryTokenDenylist,
    RedisTokenDenylist,
    TokenDenylist,
)
from taskhive_shared.security.tokens import (
    AccessTokenVerifier,
    JwksKeyResolver,
    RefuseAllKeys,
    SigningKeyResolver,
)


class AccessSettings(Protocol):
    """What `build_access_runtime` reads of a service's settings (`CommonSettings` and the
    service's `jwks_url`)."""

    @property
    def database_url(self) -> str: ...

    @property
    def db_pool_size(self) -> int: ...

    @property
    def db_max_overflow(self) -> int: ...

    @property
    def denylist_redis_url(self) -> str | None: ...

    @property
    def jwks_url(self) -> str | None: ...

    @property
    def jwt_issuer(self) -> str: ...

    @property
    def jwt_audience(self) -> str: ...


@dataclass(frozen=True, slots=True)
class AccessRuntime:
    engine: Engine
    verifier: AccessTokenVerifier
    denylist: TokenDenylist
    readiness: dict[str, ReadinessCheck]
    """`database`, and `redis` when the denylist was built from the settings' Redis URL."""


def token_denylist(redis_url: str | None) -> TokenDenylist:
    """The denylist every service shares in Redis; in this process only when there is no
    Redis (the embedded mode)."""
    if redis_url:
        return RedisTokenDenylist.from_url(redis_url)
    return InMemoryTokenDenylist()


def build_access_runtime(
    settings: AccessSettings,
    *,
    env_prefix: str,
    key_resolver: SigningKeyResolver | None = None,
    denylist: TokenDenylist | None = None,
    jwks_required: bool = True,
    liveness: Liveness = "ping",
) -> AccessRuntime:
    """The service's pool (`db_pool_size`, `db_max_overflow`, `liveness` at checkout) and its
    verifier of access tokens.

    `key_resolver` and `denylist` are given by the embedded mode and tests. Else the keys come
    from auth's JWKS at `jwks_url` — a ValueError naming `<env_prefix>JWKS_URL` when it is
    unset, or, with `jwks_required=False`, every token refused — and the denylist from
    `denylist_redis_url` (its ping joins the readiness checks) or in this process."""
    if key_resolver is None:
        if settings.jwks_url:
            key_resolver = JwksKeyResolver(settings.jwks_url)
        elif jwks_required:
            raise ValueError(f"{env_prefix}JWKS_URL is required to verify access tokens")
        else:
            key_resolver = RefuseAllKeys()
    engine = create_db_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        liveness=liveness,
    )
    readiness: dict[str, ReadinessCheck] = {"database": lambda: database_ready(engine)}
    if denylist is None:
        denylist = token_denylist(settings.denylist_redis_url)
        if isinstance(denylist, RedisTokenDenylist):
            readiness["redis"] = denylist.ping
    verifier = AccessTokenVerifier(
        key_resolver, denylist, issuer=settings.jwt_issuer, audience=settings.jwt_audience
    )
    return AccessRuntime(engine=engine, verifier=verifier, denylist=denylist, readiness=readiness)
