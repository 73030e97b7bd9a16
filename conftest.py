"""Fixtures over the real servers of this machine: a throwaway PostgreSQL database per
run (provisioned like production: schemas, roles, migrations), Redis, RabbitMQ."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "TASKHIVE_TEST_ADMIN_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("TASKHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _reachable(url: str, default_port: int) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or default_port), 2):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class TestDatabase:
    name: str
    admin_url: str

    def url(self, role: str | None = None) -> str:
        """URL of the test database as `role` (its password is the role name locally)."""
        url = make_url(self.admin_url).set(database=self.name)
        if role:
            url = url.set(username=role, password=role)
        return url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def test_database() -> Iterator[TestDatabase]:
    """A database of its own for this run, with every service's schema and roles."""
    if not _reachable(ADMIN_URL, 5432):
        pytest.fail(f"PostgreSQL is not reachable at {ADMIN_URL}: start it (docs/operations.md)")
    from taskhive_infra.provision import provision
    from taskhive_shared.db.provisioning import drop_database

    name = f"taskhive_test_{uuid.uuid4().hex[:10]}"
    provision(ADMIN_URL, name, migrate=False)
    database = TestDatabase(name=name, admin_url=ADMIN_URL)
    yield database
    drop_database(ADMIN_URL, name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    if not _reachable(REDIS_URL, 6379):
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: start it (docs/operations.md)")
    return REDIS_URL


RABBITMQ_ADDR = os.environ.get("TASKHIVE_TEST_RABBITMQ_ADDR", "127.0.0.1:5672")


def rabbitmqctl(*args: str) -> None:
    import subprocess

    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    """A RabbitMQ virtual host of its own for this run (guest has full rights on it)."""
    host, _, port = RABBITMQ_ADDR.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), 2):
            pass
    except OSError:
        pytest.fail(f"RabbitMQ is not reachable at {RABBITMQ_ADDR}: start it (docs/operations.md)")
    vhost = f"taskhive_test_{uuid.uuid4().hex[:10]}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{host}:{port}/{vhost}"
    rabbitmqctl("delete_vhost", vhost)
