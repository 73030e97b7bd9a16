"""Auth fixtures over the real database and Redis (integration and API tests)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from auth_service.adapters.signing import KeySet, SigningKey, generate_private_key_pem
from auth_service.bootstrap import AuthRuntime, build_http_app, build_runtime, migrate
from auth_service.config import AuthSettings
from taskhive_shared.security.denylist import RedisTokenDenylist


@pytest.fixture(scope="session")
def auth_settings(test_database: Any) -> AuthSettings:
    settings = AuthSettings(
        database_url=test_database.url("auth_app"),
        migrator_database_url=test_database.url("auth_migrator"),
        # Cheap argon2 keeps the suite fast; production cost is measured in bench/.
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def signing_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def denylist(redis_url: str) -> RedisTokenDenylist:
    return RedisTokenDenylist.from_url(redis_url, prefix=f"test:{uuid.uuid4().hex}:denylist:")


@pytest.fixture(scope="session")
def auth_runtime(
    auth_settings: AuthSettings, signing_keys: KeySet, denylist: RedisTokenDenylist
) -> Iterator[AuthRuntime]:
    runtime = build_runtime(auth_settings, keys=signing_keys, denylist=denylist)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def client(auth_runtime: AuthRuntime) -> FlaskClient:
    return build_http_app(auth_runtime).test_client()


@pytest.fixture
def admin_engine(test_database: Any) -> Iterator[sa.Engine]:
    """Superuser view of the test database, to check what was (not) written."""
    from taskhive_shared.db.engine import create_db_engine

    engine = create_db_engine(test_database.url())
    yield engine
    engine.dispose()


@pytest.fixture
def row_counts(admin_engine: sa.Engine) -> Callable[[], dict[str, int]]:
    """Rows per auth table: compare before and after to prove nothing was written."""

    def counts() -> dict[str, int]:
        with admin_engine.connect() as connection:
            return {
                table: int(
                    connection.execute(sa.text(f"SELECT count(*) FROM auth.{table}")).scalar_one()
                )
                for table in (
                    "accounts",
                    "refresh_token_families",
                    "refresh_tokens",
                    "api_keys",
                    "outbox",
                )
            }

    return counts


@pytest.fixture
def new_user() -> Callable[[], dict[str, str]]:
    """A fresh, valid registration body."""

    def make() -> dict[str, str]:
        name = f"user{uuid.uuid4().hex[:10]}"
        return {"email": f"{name}@example.org", "username": name, "password": f"pw-{name}-long"}

    return make
