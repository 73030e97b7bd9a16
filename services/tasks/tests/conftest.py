"""Tasks fixtures over the real database and Redis (integration and API tests).

Users and teams reach the replica the production way, as `users.*` envelopes applied by the
service's own event processor; access tokens are signed with a test key set built with
auth's signing adapter (allowed in tests only: tasks code never imports auth).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from celery import Celery
from flask import Flask
from flask.testing import FlaskClient

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
from taskhive_shared.security.denylist import RedisTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from tasks_service.adapters.notifications.dispatcher import CeleryNotificationDispatcher
from tasks_service.bootstrap import (
    TasksRuntime,
    build_event_processor,
    build_http_app,
    build_jobs_app,
    build_runtime,
    migrate,
)
from tasks_service.config import TasksSettings

TASKS_TABLES = (
    "tasks",
    "task_assignments",
    "tags",
    "task_tags",
    "comments",
    "task_history",
    "task_templates",
    "idempotency_keys",
    "outbox",
    "file_jobs",
)


@pytest.fixture(scope="session")
def tasks_settings(test_database: Any, tmp_path_factory: pytest.TempPathFactory) -> TasksSettings:
    settings = TasksSettings(
        files_directory=tmp_path_factory.mktemp("files"),
        database_url=test_database.url("tasks_app"),
        migrator_database_url=test_database.url("tasks_migrator"),
        jwks_url=None,
        public_base_url="https://taskhive.test",
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def token_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def tasks_runtime(
    tasks_settings: TasksSettings, token_keys: KeySet, redis_url: str
) -> Iterator[TasksRuntime]:
    denylist = RedisTokenDenylist.from_url(redis_url, prefix=f"test:{uuid.uuid4().hex}:deny:")
    runtime = build_runtime(
        tasks_settings, key_resolver=LocalKeyResolver(token_keys.jwks), denylist=denylist
    )
    yield runtime
    runtime.dispose()


@pytest.fixture(scope="session")
def tasks_app(tasks_runtime: TasksRuntime) -> Flask:
    return build_http_app(tasks_runtime)


@pytest.fixture
def client(tasks_app: Flask) -> FlaskClient:
    return tasks_app.test_client()


@pytest.fixture(scope="session")
def smtp() -> Iterator[LocalSmtpServer]:
    """A real SMTP server in this process: the notification emails of every test land here."""
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def jobs_app(
    tasks_settings: TasksSettings, tasks_runtime: TasksRuntime, smtp: LocalSmtpServer
) -> Celery:
    """The jobs, eager (no broker): an enqueued job runs at once, in the caller's thread."""
    settings = tasks_settings.model_copy(update={"smtp_host": smtp.host, "smtp_port": smtp.port})
    return build_jobs_app(settings, tasks_runtime)


@pytest.fixture(scope="session")
def processor(tasks_runtime: TasksRuntime, jobs_app: Celery) -> EventProcessor:
    return build_event_processor(tasks_runtime, CeleryNotificationDispatcher(jobs_app))


@pytest.fixture(scope="session")
def issuer(token_keys: KeySet, tasks_settings: TasksSettings) -> JwtAccessTokenIssuer:
    return JwtAccessTokenIssuer(
        token_keys,
        issuer=tasks_settings.jwt_issuer,
        audience=tasks_settings.jwt_audience,
        ttl_seconds=900,
    )


def users_event(event_type: str, subject: str, data: dict[str, Any]) -> EventEnvelope:
    return EventEnvelope(type=event_type, source="users", subject=subject, data=data)


def user_data(user_id: uuid.UUID, role: str = "member", **overrides: Any) -> dict[str, Any]:
    """`users.user.created|updated.v1` data of a fresh user."""
    name = f"u{uuid.uuid4().hex[:12]}"
    now = datetime.now(UTC).isoformat()
    preferences = dict.fromkeys(
        (
            "task_assigned",
            "task_unassigned",
            "task_status_changed",
            "task_commented",
            "task_created",
            "task_overdue",
            "task_due_soon",
            "daily_summary",
        ),
        True,
    )
    return {
        "user_id": str(user_id),
        "username": name,
        "email": f"{name}@example.org",
        "first_name": "",
        "last_name": "",
        "display_name": name,
        "role": role,
        "is_active": True,
        "timezone": "UTC",
        "team_ids": [],
        "notification_preferences": preferences,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    } | overrides


def team_data(team_id: uuid.UUID, members: list[uuid.UUID], version: int) -> dict[str, Any]:
    return {
        "team_id": str(team_id),
        "name": f"Team {team_id.hex[:8]}",
        "description": "",
        "member_ids": [str(m) for m in members],
        "created_by": str(uuid7()),
        "version": version,
        "updated_at": datetime.now(UTC).isoformat(),
    }


@dataclass(frozen=True)
class EventBuilders:
    """The builders above, for tests (a conftest is not importable under importlib mode)."""

    event: Callable[[str, str, dict[str, Any]], EventEnvelope] = users_event
    user: Callable[..., dict[str, Any]] = user_data
    team: Callable[[uuid.UUID, list[uuid.UUID], int], dict[str, Any]] = team_data


@pytest.fixture(scope="session")
def build() -> EventBuilders:
    return EventBuilders()


@pytest.fixture
def deliver(processor: EventProcessor) -> Callable[[EventEnvelope], Outcome]:
    """Hand one envelope to the consumer's processor, as RabbitMQ would."""

    def send(envelope: EventEnvelope) -> Outcome:
        return processor.process(json.dumps(envelope.to_dict()).encode()).outcome

    return send


@dataclass
class ApiUser:
    id: uuid.UUID
    username: str
    role: str
    token: str
    team_ids: list[uuid.UUID] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def headers(self, **extra: str) -> dict[str, str]:
        return self.auth | {name.replace("_", "-"): value for name, value in extra.items()}


@pytest.fixture
def make_user(
    deliver: Callable[[EventEnvelope], Outcome], issuer: JwtAccessTokenIssuer
) -> Callable[..., ApiUser]:
    """A user in the replica (via `users.user.created.v1`) and an access token for them."""

    def make(role: str = "member", **overrides: Any) -> ApiUser:
        user_id = uuid7()
        data = user_data(user_id, role, **overrides)
        assert deliver(users_event("users.user.created.v1", str(user_id), data)) is Outcome.APPLIED
        token = issuer.issue(user_id, AuthRole(role), uuid7()).token
        return ApiUser(id=user_id, username=data["username"], role=role, token=token)

    return make


@pytest.fixture
def deactivate(deliver: Callable[[EventEnvelope], Outcome]) -> Callable[[ApiUser], None]:
    """`users.user.deactivated.v1` for the user (version 2)."""

    def apply(user: ApiUser) -> None:
        data = {
            "user_id": str(user.id),
            "deactivated_by": str(uuid7()),
            "deactivated_at": datetime.now(UTC).isoformat(),
            "version": 2,
        }
        envelope = users_event("users.user.deactivated.v1", str(user.id), data)
        assert deliver(envelope) is Outcome.APPLIED

    return apply


@pytest.fixture
def make_team(deliver: Callable[[EventEnvelope], Outcome]) -> Callable[..., uuid.UUID]:
    """A team in the replica (via `users.team.created.v1`) with these members."""

    def make(*members: ApiUser) -> uuid.UUID:
        team_id = uuid7()
        data = team_data(team_id, [m.id for m in members], 1)
        assert deliver(users_event("users.team.created.v1", str(team_id), data)) is Outcome.APPLIED
        for member in members:
            member.team_ids.append(team_id)
        return team_id

    return make


@pytest.fixture(scope="session")
def admin_engine(test_database: Any) -> Iterator[sa.Engine]:
    """Superuser view of the test database, to check what was (not) written."""
    from taskhive_shared.db.engine import create_db_engine

    engine = create_db_engine(test_database.url())
    yield engine
    engine.dispose()


@pytest.fixture
def row_counts(admin_engine: sa.Engine) -> Callable[[], dict[str, int]]:
    """Rows per tasks table: compare before and after to prove nothing was written."""

    def counts() -> dict[str, int]:
        with admin_engine.connect() as connection:
            return {
                table: int(
                    connection.execute(sa.text(f"SELECT count(*) FROM tasks.{table}")).scalar_one()
                )
                for table in TASKS_TABLES
            }

    return counts


@pytest.fixture
def outbox_rows(admin_engine: sa.Engine) -> Callable[[str], list[Any]]:
    """The outbox rows about one task, oldest first."""

    def rows(subject: str) -> list[Any]:
        with admin_engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT type, source, subject, data FROM tasks.outbox "
                        "WHERE subject = :subject ORDER BY seq"
                    ),
                    {"subject": subject},
                )
            )

    return rows
