"""Users fixtures over the real database and Redis (integration and API tests).

Profiles are created the production way, by applying an `auth.user.registered.v1` envelope
through the service's own event handler; access tokens are signed with a test key set
built with auth's signing adapter (allowed in tests only: users code never imports auth).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
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
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.security.denylist import RedisTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from users_service.bootstrap import UsersRuntime, build_http_app, build_runtime, migrate
from users_service.config import UsersSettings
from users_service.entrypoints.events import USER_REGISTERED, event_handlers

USERS_TABLES = (
    "profiles",
    "teams",
    "team_memberships",
    "idempotency_keys",
    "welcome_emails",
    "outbox",
    "inbox",
)


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[LocalSmtpServer]:
    """Real SMTP on loopback: every welcome email of the session lands here."""
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture
def smtp(smtp_server: LocalSmtpServer) -> Iterator[LocalSmtpServer]:
    """The session's SMTP server, answering 250 again after the test."""
    yield smtp_server
    smtp_server.reply = "250 OK"
    smtp_server.before_accept = None


@pytest.fixture(scope="session")
def users_settings(test_database: Any, smtp_server: LocalSmtpServer) -> UsersSettings:
    """No USERS_JOBS_BROKER_URL: jobs run in-process, so registering a profile sends its
    welcome email to `smtp_server` right after the commit."""
    settings = UsersSettings(
        database_url=test_database.url("users_app"),
        migrator_database_url=test_database.url("users_migrator"),
        jwks_url=None,
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        public_base_url="https://taskhive.test/",
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def token_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def users_denylist(redis_url: str) -> RedisTokenDenylist:
    return RedisTokenDenylist.from_url(redis_url, prefix=f"test:{uuid.uuid4().hex}:denylist:")


@pytest.fixture(scope="session")
def users_runtime(
    users_settings: UsersSettings, token_keys: KeySet, users_denylist: RedisTokenDenylist
) -> Iterator[UsersRuntime]:
    runtime = build_runtime(
        users_settings, key_resolver=LocalKeyResolver(token_keys.jwks), denylist=users_denylist
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture(scope="session")
def users_app(users_runtime: UsersRuntime) -> Flask:
    return build_http_app(users_runtime)


@pytest.fixture
def client(users_app: Flask) -> FlaskClient:
    return users_app.test_client()


@pytest.fixture(scope="session")
def issuer(token_keys: KeySet, users_settings: UsersSettings) -> JwtAccessTokenIssuer:
    return JwtAccessTokenIssuer(
        token_keys,
        issuer=users_settings.jwt_issuer,
        audience=users_settings.jwt_audience,
        ttl_seconds=900,
    )


def registration(role: str = "member", **overrides: str) -> EventEnvelope:
    """An `auth.user.registered.v1` envelope for a fresh, unique account."""
    user_id = str(uuid7())
    name = f"u{uuid.uuid4().hex[:12]}"
    data = {
        "user_id": user_id,
        "email": f"{name}@example.org",
        "username": name,
        "first_name": "",
        "last_name": "",
        "role": role,
        "registered_at": datetime.now(UTC).isoformat(),
    } | overrides
    return EventEnvelope(type=USER_REGISTERED, source="auth", subject=user_id, data=data)


@pytest.fixture
def new_registration() -> Callable[..., EventEnvelope]:
    return registration


@dataclass(frozen=True)
class ApiUser:
    id: uuid.UUID
    username: str
    email: str
    role: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def headers(self, **extra: str) -> dict[str, str]:
        return self.auth | {name.replace("_", "-"): value for name, value in extra.items()}


@pytest.fixture
def apply_registration(users_runtime: UsersRuntime) -> Callable[[EventEnvelope], None]:
    """Apply one registration event in a committed unit of work (as the consumer would)."""
    handler = event_handlers(users_runtime.services)[USER_REGISTERED]

    def apply(envelope: EventEnvelope) -> None:
        with users_runtime.unit_of_work() as uow:
            handler(envelope, uow)
            uow.commit()

    return apply


@pytest.fixture
def token_for(issuer: JwtAccessTokenIssuer) -> Callable[[uuid.UUID, str], str]:
    def mint(user_id: uuid.UUID, role: str = "member") -> str:
        return issuer.issue(user_id, AuthRole(role), uuid7()).token

    return mint


@pytest.fixture
def make_user(
    apply_registration: Callable[[EventEnvelope], None],
    token_for: Callable[[uuid.UUID, str], str],
) -> Callable[..., ApiUser]:
    """A profile (via the registration handler) and an access token for it."""

    def make(role: str = "member", *, token_role: str | None = None, **data: str) -> ApiUser:
        envelope = registration(role, **data)
        apply_registration(envelope)
        user_id = uuid.UUID(envelope.data["user_id"])
        return ApiUser(
            id=user_id,
            username=envelope.data["username"],
            email=envelope.data["email"],
            role=role,
            token=token_for(user_id, token_role or role),
        )

    return make


@pytest.fixture
def admin_engine(test_database: Any) -> Iterator[sa.Engine]:
    """Superuser view of the test database, to check what was (not) written."""
    from taskhive_shared.db.engine import create_db_engine

    engine = create_db_engine(test_database.url())
    yield engine
    engine.dispose()


@pytest.fixture
def row_counts(admin_engine: sa.Engine) -> Callable[[], dict[str, int]]:
    """Rows per users table: compare before and after to prove nothing was written."""

    def counts() -> dict[str, int]:
        with admin_engine.connect() as connection:
            return {
                table: int(
                    connection.execute(sa.text(f"SELECT count(*) FROM users.{table}")).scalar_one()
                )
                for table in USERS_TABLES
            }

    return counts


@pytest.fixture
def outbox_rows(admin_engine: sa.Engine) -> Callable[[str], list[Any]]:
    """The outbox rows about one aggregate, oldest first."""

    def rows(subject: str) -> list[Any]:
        with admin_engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT type, source, subject, data, causation_id FROM users.outbox "
                        "WHERE subject = :subject ORDER BY seq"
                    ),
                    {"subject": subject},
                )
            )

    return rows
