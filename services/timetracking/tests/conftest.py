"""Timetracking fixtures over the real database (integration and API tests).

Replicas are fed the production way, through the service's own event processor; access
tokens are signed with a test key set built with auth's signing adapter (tests only:
timetracking code never imports auth)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from auth_service.adapters.signing import (
    JwtAccessTokenIssuer,
    KeySet,
    SigningKey,
    generate_private_key_pem,
)
from auth_service.domain.model import Role as AuthRole
from services.timetracking.tests.world import World
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from timetracking_service.bootstrap import (
    TimeTrackingRuntime,
    build_event_processor,
    build_http_app,
    build_runtime,
    migrate,
)
from timetracking_service.config import TimeTrackingSettings

TABLES = (
    "entries",
    "timesheets",
    "preferences",
    "tasks",
    "users",
    "overtime_reports",
    "timesheet_history",
    "calendars",
    "team_calendars",
    "idempotency_keys",
    "outbox",
    "inbox",
)


@pytest.fixture(scope="session")
def smtp() -> Iterator[LocalSmtpServer]:
    """Real SMTP on loopback: the session's overtime e-mails land here."""
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def time_settings(test_database: Any, smtp: LocalSmtpServer) -> TimeTrackingSettings:
    settings = TimeTrackingSettings(
        database_url=test_database.url("timetracking_app"),
        migrator_database_url=test_database.url("timetracking_migrator"),
        jwks_url=None,
        public_base_url="https://taskhive.test/",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def time_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def time_runtime(
    time_settings: TimeTrackingSettings, time_keys: KeySet
) -> Iterator[TimeTrackingRuntime]:
    runtime = build_runtime(
        time_settings,
        key_resolver=LocalKeyResolver(time_keys.jwks),
        denylist=InMemoryTokenDenylist(),
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture(scope="session")
def time_app(time_runtime: TimeTrackingRuntime) -> Flask:
    return build_http_app(time_runtime)


@pytest.fixture
def client(time_app: Flask) -> FlaskClient:
    return time_app.test_client()


@pytest.fixture(scope="session")
def world(time_runtime: TimeTrackingRuntime) -> World:
    return World(build_event_processor(time_runtime))


@pytest.fixture(scope="session")
def issuer(time_keys: KeySet, time_settings: TimeTrackingSettings) -> JwtAccessTokenIssuer:
    return JwtAccessTokenIssuer(
        time_keys,
        issuer=time_settings.jwt_issuer,
        audience=time_settings.jwt_audience,
        ttl_seconds=900,
    )


@pytest.fixture(scope="session")
def auth_for(issuer: JwtAccessTokenIssuer) -> Callable[..., dict[str, str]]:
    """`Authorization` header of a fresh access token for `user_id` with `role`."""

    def headers(user_id: uuid.UUID, role: str = "member") -> dict[str, str]:
        token = issuer.issue(user_id, AuthRole(role), uuid7()).token
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def admin_engine(test_database: Any) -> Iterator[sa.Engine]:
    from taskhive_shared.db.engine import create_db_engine

    engine = create_db_engine(test_database.url())
    yield engine
    engine.dispose()


@pytest.fixture
def row_counts(admin_engine: sa.Engine) -> Callable[[], dict[str, int]]:
    """Rows per table: compare before and after to prove nothing was written."""

    def counts() -> dict[str, int]:
        with admin_engine.connect() as connection:
            return {
                table: int(
                    connection.execute(
                        sa.text(f"SELECT count(*) FROM timetracking.{table}")
                    ).scalar_one()
                )
                for table in TABLES
            }

    return counts


@pytest.fixture
def outbox_of(admin_engine: sa.Engine) -> Callable[[str], list[Any]]:
    """The outbox rows about one subject, oldest first."""

    def rows(subject: str) -> list[Any]:
        with admin_engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT type, data FROM timetracking.outbox WHERE subject = :subject "
                        "ORDER BY seq"
                    ),
                    {"subject": subject},
                )
            )

    return rows
