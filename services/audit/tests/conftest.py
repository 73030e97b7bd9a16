"""Audit fixtures over the real database (integration and API tests): events are applied the
production way, through the service's EventProcessor; tokens are signed with a test key set
built with auth's signing adapter (allowed in tests only: audit code never imports auth)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from audit_service.bootstrap import (
    AuditRuntime,
    build_event_processor,
    build_http_app,
    build_runtime,
    migrate,
)
from audit_service.config import AuditSettings
from auth_service.adapters.signing import (
    JwtAccessTokenIssuer,
    KeySet,
    SigningKey,
    generate_private_key_pem,
)
from auth_service.domain.model import Role
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver


@pytest.fixture(scope="session")
def audit_settings(test_database: Any) -> AuditSettings:
    settings = AuditSettings(
        database_url=test_database.url("audit_app"),
        migrator_database_url=test_database.url("audit_migrator"),
        retention_days=30,
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def runtime(audit_settings: AuditSettings, keys: KeySet) -> Iterator[AuditRuntime]:
    built = build_runtime(
        audit_settings, key_resolver=LocalKeyResolver(keys.jwks), denylist=InMemoryTokenDenylist()
    )
    yield built
    built.engine.dispose()


@pytest.fixture(scope="session")
def token(keys: KeySet) -> Callable[[str], str]:
    issuer = JwtAccessTokenIssuer(
        keys, issuer="taskhive-auth", audience="taskhive", ttl_seconds=300
    )

    def sign(role: str = "admin") -> str:
        return issuer.issue(uuid.uuid4(), Role(role), uuid.uuid4()).token

    return sign


@pytest.fixture
def client(runtime: AuditRuntime) -> Any:
    return build_http_app(runtime).test_client()


@pytest.fixture
def deliver(runtime: AuditRuntime) -> Callable[..., EventEnvelope]:
    """Apply one event as the consumer would (contract checked, inbox, chain)."""
    processor = build_event_processor(runtime)

    def apply(event_type: str, data: dict[str, Any], **envelope: Any) -> EventEnvelope:
        source = event_type.split(".")[0]
        event = EventEnvelope(
            type=event_type, source=source, subject=str(uuid.uuid4()), data=data, **envelope
        )
        result = processor.process(json.dumps(event.to_dict()).encode())
        assert result.outcome is Outcome.APPLIED, result
        return event

    return apply


@pytest.fixture
def admin_engine(test_database: Any) -> Iterator[sa.Engine]:
    from taskhive_shared.db.engine import create_db_engine

    engine = create_db_engine(test_database.url())
    yield engine
    engine.dispose()
