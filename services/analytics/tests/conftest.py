"""Analytics fixtures over the real database: events go through the service's own event
processor (contract validation, inbox, one transaction), as the consumer applies them.

Access tokens are signed with a test key set built with auth's signing adapter (allowed in
tests only: analytics code never imports auth)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from analytics_service.adapters.persistence.tables import READ_MODEL_TABLES, inbox
from analytics_service.bootstrap import (
    AnalyticsRuntime,
    build_event_processor,
    build_http_app,
    build_runtime,
    migrate,
)
from analytics_service.config import AnalyticsSettings
from auth_service.adapters.signing import (
    JwtAccessTokenIssuer,
    KeySet,
    SigningKey,
    generate_private_key_pem,
)
from auth_service.domain.model import Role as AuthRole
from taskhive_shared.events.consumer import EventProcessor, Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver


@pytest.fixture(scope="session")
def smtp() -> Iterator[LocalSmtpServer]:
    """Real SMTP on loopback: the scheduled reports' e-mails land here."""
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def analytics_settings(
    test_database: Any, tmp_path_factory: pytest.TempPathFactory, smtp: LocalSmtpServer
) -> AnalyticsSettings:
    """No ANALYTICS_JOBS_BROKER_URL: reports are generated in-process right after the
    request's commit; files under a temporary directory."""
    settings = AnalyticsSettings(
        database_url=test_database.url("analytics_app"),
        migrator_database_url=test_database.url("analytics_migrator"),
        jwks_url=None,
        files_directory=tmp_path_factory.mktemp("analytics-files"),
        public_base_url="https://taskhive.test/",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def token_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def analytics_runtime(
    analytics_settings: AnalyticsSettings, token_keys: KeySet
) -> Iterator[AnalyticsRuntime]:
    runtime = build_runtime(
        analytics_settings,
        key_resolver=LocalKeyResolver(token_keys.jwks),
        denylist=InMemoryTokenDenylist(),
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture(scope="session")
def processor(analytics_runtime: AnalyticsRuntime) -> EventProcessor:
    return build_event_processor(analytics_runtime)


@pytest.fixture(scope="session")
def analytics_app(analytics_runtime: AnalyticsRuntime) -> Flask:
    return build_http_app(analytics_runtime)


@pytest.fixture
def client(analytics_app: Flask) -> FlaskClient:
    return analytics_app.test_client()


@pytest.fixture(scope="session")
def token_for(token_keys: KeySet, analytics_settings: AnalyticsSettings) -> Callable[..., str]:
    issuer = JwtAccessTokenIssuer(
        token_keys,
        issuer=analytics_settings.jwt_issuer,
        audience=analytics_settings.jwt_audience,
        ttl_seconds=900,
    )

    def mint(user_id: uuid.UUID, role: str = "member") -> dict[str, str]:
        token = issuer.issue(user_id, AuthRole(role), uuid7()).token
        return {"Authorization": f"Bearer {token}"}

    return mint


@pytest.fixture
def deliver(processor: EventProcessor) -> Callable[[EventEnvelope], Outcome]:
    """Hand one envelope to the consumer, as RabbitMQ would (bytes in, an outcome out)."""

    def apply(envelope: EventEnvelope) -> Outcome:
        result = processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome in (Outcome.APPLIED, Outcome.DUPLICATE), result.reason
        return result.outcome

    return apply


@pytest.fixture
def clean_model(analytics_runtime: AnalyticsRuntime) -> Callable[[], None]:
    """Empty the read model (and the inbox), for tests that compare whole models."""

    def clean() -> None:
        with analytics_runtime.engine.begin() as connection:
            for table in (*READ_MODEL_TABLES, inbox):
                connection.execute(table.delete())

    return clean


@pytest.fixture
def model_dump(
    analytics_runtime: AnalyticsRuntime,
) -> Callable[[], dict[str, list[tuple[Any, ...]]]]:
    """Every row of the derived read model (tasks' facts and the counters), sorted."""

    def dump() -> dict[str, list[tuple[Any, ...]]]:
        with analytics_runtime.engine.connect() as connection:
            result: dict[str, list[tuple[Any, ...]]] = {}
            for table in READ_MODEL_TABLES:
                if table.name == "task_observations":
                    continue  # raw input: a snapshot records it differently
                columns = [c for c in table.columns if c.name != "summary"]
                rows = connection.execute(sa.select(*columns)).all()
                result[table.name] = sorted(tuple(map(repr, row)) for row in rows)
            return result

    return dump
