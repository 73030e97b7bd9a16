"""`build_access_runtime` against the real PostgreSQL and Redis of this machine: the readiness
checks it builds answer, and its denylist is the Redis every service shares."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from taskhive_shared.access_runtime import build_access_runtime
from taskhive_shared.security.denylist import RedisTokenDenylist


@dataclass(frozen=True)
class Settings:
    database_url: str
    denylist_redis_url: str | None
    db_pool_size: int = 1
    db_max_overflow: int = 0
    jwks_url: str | None = "http://127.0.0.1:9/jwks.json"
    jwt_issuer: str = "taskhive-auth"
    jwt_audience: str = "taskhive"


def test_with_redis_configured_readiness_checks_the_database_and_redis(
    test_database: Any, redis_url: str
) -> None:
    runtime = build_access_runtime(Settings(test_database.url(), redis_url), env_prefix="DEMO_")
    try:
        assert list(runtime.readiness) == ["database", "redis"]
        for check in runtime.readiness.values():
            check()
        jti = str(uuid.uuid4())
        runtime.denylist.deny(jti, int(time.time()) + 60)
        assert RedisTokenDenylist.from_url(redis_url).is_denied(jti)
    finally:
        runtime.engine.dispose()


def test_without_redis_readiness_checks_the_database_only(test_database: Any) -> None:
    runtime = build_access_runtime(Settings(test_database.url(), None), env_prefix="DEMO_")
    try:
        assert list(runtime.readiness) == ["database"]
        runtime.readiness["database"]()
    finally:
        runtime.engine.dispose()
