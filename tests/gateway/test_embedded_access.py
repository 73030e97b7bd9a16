"""`make run`'s single process with the access features of ADR 0024, end to end: an API key
used on every service within its scopes (every service of the registry, every bearer read
of its committed OpenAPI document), revoked, the rate-limit fields, and the audit log fed by
the in-process relays and consumers (real PostgreSQL, a throwaway database)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from auth_service.bootstrap import register_account
from auth_service.domain.api_keys import SCOPE_SERVICES
from taskhive_gateway.embedded import EmbeddedConfig, Platform, build_platform
from taskhive_infra.services import SERVICES
from taskhive_shared.db.provisioning import drop_database
from tests.gateway.conftest import free_port

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi"
PASSWORD = "a-long-enough-password-1"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    name = f"taskhive_access_{uuid.uuid4().hex[:8]}"
    config = EmbeddedConfig(
        data_dir=Path(tmp_path_factory.mktemp("embedded")),
        host="127.0.0.1",
        port=free_port(),
        admin_url=ADMIN_URL,
        database=name,
        seed=False,
        smtp_port=free_port(),
    )
    built = build_platform(config, ADMIN_URL)
    built.start_event_loops()
    try:
        yield built
    finally:
        built.shutdown()
        for runtime in (built.auth, built.users, built.tasks, built.audit):
            runtime.engine.dispose()
        drop_database(ADMIN_URL, name)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: Client, username: str) -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    token: str = response.get_json()["access_token"]
    return token


def _eventually(read: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_an_api_key_works_within_its_scopes_everywhere_and_is_audited(platform: Platform) -> None:
    client = Client(platform.router)
    admin, member = f"adm{uuid.uuid4().hex[:8]}", f"mem{uuid.uuid4().hex[:8]}"
    for username, role in ((admin, "admin"), (member, "member")):
        assert register_account(
            platform.auth,
            email=f"{username}@example.org",
            username=username,
            password=PASSWORD,
            role=role,
        )
    session = _login(client, member)
    created = client.post(
        "/api/v1/auth/api-keys",
        json={"name": "ci", "scopes": ["tasks:read"], "expires_in_days": 7},
        headers=_bearer(session),
    )
    assert created.status_code == 201
    key, key_id = created.get_json()["key"], created.get_json()["id"]

    listed = client.get("/api/v1/tasks/", headers=_bearer(key))
    assert listed.status_code == 200
    assert listed.headers["RateLimit-Policy"].startswith('"key-read";')
    for method, path, scope in (
        ("POST", "/api/v1/tasks/", "tasks:write"),
        ("GET", "/api/v1/users/me", "users:read"),
        ("GET", "/api/v1/audit/", "audit:read"),
    ):
        refused = client.open(path, method=method, json={"title": "x"}, headers=_bearer(key))
        assert refused.status_code == 403, (path, refused.get_json())
        assert refused.get_json()["missing_scope"] == scope

    revoked_at = time.monotonic()
    revoke = client.delete(f"/api/v1/auth/api-keys/{key_id}", headers=_bearer(session))
    assert revoke.status_code == 204
    # Each process may trust its cached record for 2 s: refused everywhere within 5 s.
    assert _eventually(
        lambda: client.get("/api/v1/tasks/", headers=_bearer(key)).status_code == 401, timeout=5.0
    )
    assert time.monotonic() - revoked_at < 5.0
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": member, "password": "wrong-password-123"}
        ).status_code
        == 401
    )

    admin_token = _login(client, admin)

    def actions() -> set[str]:
        body = client.get(
            f"/api/v1/audit/?actor={_user_id(client, session)}", headers=_bearer(admin_token)
        ).get_json()
        return {item["action"] for item in body["items"]}

    seen = _eventually(
        lambda: {"api_key.created", "api_key.revoked", "session.started"} <= actions()
    )
    assert seen, actions()
    failed = client.get("/api/v1/audit/?action=session.failed", headers=_bearer(admin_token))
    assert member in {item["resource_id"] for item in failed.get_json()["items"]}
    assert client.get("/api/v1/audit/", headers=_bearer(session)).status_code == 403


def _user_id(client: Client, token: str) -> str:
    user_id: str = client.get("/api/v1/users/me", headers=_bearer(token)).get_json()["id"]
    return user_id


def _bearer_reads(service: str) -> list[str]:
    """Every GET without path parameters that needs a bearer token, from the service's
    committed OpenAPI document (kept current by `taskhive-openapi --check`)."""
    paths = json.loads((OPENAPI / f"{service}.json").read_text())["paths"]
    return [
        path
        for path, operations in paths.items()
        if "{" not in path and operations.get("get", {}).get("security")
    ]


def _read(client: Client, path: str, key: str) -> tuple[int, Any]:
    # Not buffered: the live stream answers 200 and then never ends; its head is enough.
    response = client.get(path, headers=_bearer(key), buffered=False)
    try:
        is_problem = response.mimetype == "application/problem+json"
        return response.status_code, response.get_json() if is_problem else None
    finally:
        response.close()


def test_every_service_enforces_api_key_scopes_on_every_read(platform: Platform) -> None:
    """A key with one service's read scope reads that service and is refused, naming the
    missing scope, by every other: a new service in the registry is covered on arrival."""
    scoped = [spec.name for spec in SERVICES if spec.name != "auth"]  # auth: sessions only
    assert set(scoped) == set(SCOPE_SERVICES), "a service without API-key scopes"
    client = Client(platform.router)
    admin = f"adm{uuid.uuid4().hex[:8]}"
    assert register_account(
        platform.auth,
        email=f"{admin}@example.org",
        username=admin,
        password=PASSWORD,
        role="admin",
    )
    session = _login(client, admin)
    keys: dict[str, str] = {}
    for service in scoped:
        created = client.post(
            "/api/v1/auth/api-keys",
            json={"name": service, "scopes": [f"{service}:read"], "expires_in_days": 1},
            headers=_bearer(session),
        )
        assert created.status_code == 201, created.get_json()
        keys[service] = created.get_json()["key"]

    for service in scoped:
        reads = _bearer_reads(service)
        assert reads, service
        for path in reads:
            for holder, key in keys.items():
                status, problem = _read(client, path, key)
                if holder == service:
                    assert status not in (401, 403), (path, holder, status, problem)
                    assert status < 500, (path, holder, status, problem)
                else:
                    assert status == 403, (path, holder, status, problem)
                    assert problem["missing_scope"] == f"{service}:read", (path, problem)
