"""Hooks fixtures over the real database: a runtime with a controllable clock, a real HTTP
receiver on 127.0.0.1 (allow-listed, as the issue's tests ask) that verifies every delivery
with the reference `standardwebhooks` library, and access tokens signed with a test key set
built with auth's signing adapter (allowed in tests only)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from auth_service.adapters.signing import (
    JwtAccessTokenIssuer,
    KeySet,
    SigningKey,
    generate_private_key_pem,
)
from auth_service.domain.model import Role as AuthRole
from hooks_service.bootstrap import HooksRuntime, build_http_app, build_runtime, migrate
from hooks_service.config import HooksSettings
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7
from taskhive_shared.mail.local_server import LocalSmtpServer
from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver

PREFERENCES = (
    "task_assigned",
    "task_unassigned",
    "task_status_changed",
    "task_commented",
    "task_created",
    "task_overdue",
    "task_due_soon",
    "daily_summary",
)


EXTRA: dict[str, dict[str, Any]] = {"updated": {"changes": {"title": {"old": "a", "new": "b"}}}}


class MutableClock:
    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server: records every request, answers `status`."""

    status: int = 200
    requests: list[Received] = field(default_factory=list)
    port: int = 0

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            state.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()


@pytest.fixture
def hook_receiver(receiver: Receiver) -> Receiver:
    receiver.requests.clear()
    receiver.status = 200
    return receiver


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[LocalSmtpServer]:
    with LocalSmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def hooks_settings(test_database: Any, smtp_server: LocalSmtpServer) -> HooksSettings:
    settings = HooksSettings(
        database_url=test_database.url("hooks_app"),
        migrator_database_url=test_database.url("hooks_migrator"),
        smtp_host=smtp_server.host,
        smtp_port=smtp_server.port,
        allowed_networks="127.0.0.0/8",
        retry_base_seconds=1,
        retry_cap_seconds=1,
        stream_heartbeat_seconds=0.5,
    )
    migrate(settings)
    return settings


@pytest.fixture(scope="session")
def token_keys() -> KeySet:
    return KeySet([SigningKey.from_pem(generate_private_key_pem())])


@pytest.fixture(scope="session")
def clock() -> MutableClock:
    return MutableClock()


@pytest.fixture(scope="session")
def hooks_runtime(
    hooks_settings: HooksSettings, token_keys: KeySet, clock: MutableClock
) -> Iterator[HooksRuntime]:
    runtime = build_runtime(
        hooks_settings,
        key_resolver=LocalKeyResolver(token_keys.jwks),
        denylist=InMemoryTokenDenylist(),
        clock=clock,
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture(autouse=True)
def _clock_reset(clock: MutableClock) -> Iterator[None]:
    clock.offset = timedelta()
    yield
    clock.offset = timedelta()


@pytest.fixture(scope="session")
def hooks_app(hooks_runtime: HooksRuntime) -> Flask:
    return build_http_app(hooks_runtime)


@pytest.fixture
def client(hooks_app: Flask) -> FlaskClient:
    return hooks_app.test_client()


@pytest.fixture(scope="session")
def issuer(token_keys: KeySet, hooks_settings: HooksSettings) -> JwtAccessTokenIssuer:
    return JwtAccessTokenIssuer(
        token_keys,
        issuer=hooks_settings.jwt_issuer,
        audience=hooks_settings.jwt_audience,
        ttl_seconds=900,
    )


@dataclass(frozen=True)
class User:
    id: uuid.UUID
    role: str
    token: str
    email: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class World:
    """Publishes events into hooks the production way: through its event processor."""

    def __init__(self, runtime: HooksRuntime, issuer: JwtAccessTokenIssuer) -> None:
        from hooks_service.bootstrap import build_event_processor

        self._processor = build_event_processor(runtime)
        self._issuer = issuer
        self._versions: dict[str, int] = {}

    def emit(self, event_type: str, subject: str, data: dict[str, Any]) -> EventEnvelope:
        source = event_type.split(".", 1)[0]
        envelope = EventEnvelope(type=event_type, source=source, subject=subject, data=data)
        self.deliver(envelope)
        return envelope

    def deliver(self, envelope: EventEnvelope) -> str:
        import json

        result = self._processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome.value in ("applied", "duplicate"), result
        return result.outcome.value

    def _version(self, key: str) -> int:
        self._versions[key] = self._versions.get(key, 0) + 1
        return self._versions[key]

    def user(self, role: str = "member") -> User:
        user_id = uuid7()
        name = f"u{uuid.uuid4().hex[:10]}"
        now = datetime.now(UTC).isoformat()
        email = f"{name}@example.org"
        self.emit(
            "users.user.created.v1",
            str(user_id),
            {
                "user_id": str(user_id),
                "username": name,
                "email": email,
                "first_name": "",
                "last_name": "",
                "display_name": name,
                "role": role,
                "is_active": True,
                "timezone": "UTC",
                "team_ids": [],
                "notification_preferences": dict.fromkeys(PREFERENCES, True),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        )
        token = self._issuer.issue(user_id, AuthRole(role), uuid7()).token
        return User(user_id, role, token, email)

    def team(self, members: list[User], event: str = "created", user: User | None = None) -> str:
        team_id = str(uuid7())
        self.team_event(team_id, members, "created")
        return team_id

    def team_event(
        self, team_id: str, members: list[User], event: str, user: User | None = None
    ) -> None:
        now = datetime.now(UTC).isoformat()
        data: dict[str, Any] = {
            "team_id": team_id,
            "name": f"team-{team_id[-6:]}",
            "member_ids": [str(m.id) for m in members],
            "version": self._version(team_id),
        }
        if event in ("member_added", "member_removed"):
            assert user is not None
            data |= {"user_id": str(user.id), "changed_by": str(user.id), "changed_at": now}
        else:
            data |= {"description": "", "created_by": str(members[0].id), "updated_at": now}
        self.emit(f"users.team.{event}.v1", team_id, data)

    def task(
        self,
        event: str,
        creator: User,
        *,
        task_id: str | None = None,
        assignees: list[User] = (),  # type: ignore[assignment]
        team_id: str | None = None,
        title: str = "Ship it",
    ) -> EventEnvelope:
        task_id = task_id or str(uuid7())
        now = datetime.now(UTC).isoformat()
        return self.emit(
            f"tasks.task.{event}.v1",
            task_id,
            {
                "task_id": task_id,
                "title": title,
                "status": "todo",
                "priority": "medium",
                "due_date": None,
                "team_id": team_id,
                "parent_task_id": None,
                "created_by": str(creator.id),
                "assignee_ids": [str(a.id) for a in assignees],
                "tags": [],
                "is_archived": False,
                "is_overdue": False,
                "version": self._version(task_id),
                "actor_id": str(creator.id),
                "occurred_at": now,
            }
            | EXTRA.get(event, {})
            | ({"user_ids": [str(a.id) for a in assignees]} if event == "assigned" else {}),
        )


@pytest.fixture(scope="session")
def world(hooks_runtime: HooksRuntime, issuer: JwtAccessTokenIssuer) -> World:
    return World(hooks_runtime, issuer)


@pytest.fixture
def create_hook(client: FlaskClient) -> Callable[..., dict[str, Any]]:
    def create(user: User, url: str, events: list[str] | None = None) -> dict[str, Any]:
        answer = client.post(
            "/api/v1/webhooks/",
            json={"url": url, "events": events or ["tasks.task.*"]},
            headers=user.auth,
        )
        assert answer.status_code == 201, answer.get_json()
        body: dict[str, Any] = answer.get_json()
        return body

    return create
