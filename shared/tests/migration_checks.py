"""The migration checks of every service (services/<svc>/tests/integration/test_migrations.py).

Each check runs in a throwaway database of its own, provisioned the production way (the
service's schema and roles) plus a decoy schema with a table in it, and migrates as the
service's migrator through the service's real `migrations/env.py`:

- the migrations have exactly one head;
- after `upgrade head`, Alembic's autogenerate finds no difference between the database and
  the service's `tables.py` (with the env's filters: `taskhive_shared.db.migrations.SchemaScope`);
- `upgrade head` → `downgrade base` leaves nothing but the version table → `upgrade head`
  again gives the same schema.
"""

from __future__ import annotations

import pprint
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from taskhive_infra.provision import role_password
from taskhive_shared.db.migrations import (
    VERSION_TABLE,
    alembic_config,
    schema_drift,
    upgrade_to_head,
)
from taskhive_shared.db.provisioning import drop_database, ensure_database, provision_service

DECOY_SCHEMA = "decoy"


def _url(admin_url: str, database: str, role: str | None = None) -> str:
    url = make_url(admin_url).set(database=database)
    if role:
        url = url.set(username=role, password=role_password(*role.rsplit("_", 1)))
    return url.render_as_string(hide_password=False)


@contextmanager
def throwaway_database(admin_url: str, service: str) -> Iterator[str]:
    """A new database with `service`'s schema and roles (nothing migrated) and a decoy schema
    holding a table; yields the migrator's URL; the database is dropped afterwards."""
    name = f"taskhive_migrations_{service}_{uuid.uuid4().hex[:8]}"
    ensure_database(admin_url, name)
    try:
        provision_service(
            _url(admin_url, name),
            service,
            migrator_password=role_password(service, "migrator"),
            app_password=role_password(service, "app"),
        )
        with psycopg.connect(_url(admin_url, name), autocommit=True) as connection:
            # Another service's table: the service's env must not see it as drift.
            connection.execute(f"CREATE SCHEMA {DECOY_SCHEMA}")
            connection.execute(f"CREATE TABLE {DECOY_SCHEMA}.elsewhere (id int PRIMARY KEY)")
        yield _url(admin_url, name, f"{service}_migrator")
    finally:
        drop_database(admin_url, name)


def _relations(url: str, schema: str) -> list[str]:
    """Tables, indexes, sequences, views … of `schema`, and the types created on their own."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %(schema)s "
            "UNION ALL "
            "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = %(schema)s AND t.typrelid = 0 AND t.typelem = 0 "
            "ORDER BY 1",
            {"schema": schema},
        ).fetchall()
    return [row[0] for row in rows]


def _version(url: str, schema: str) -> list[str]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(f'SELECT version_num FROM "{schema}".{VERSION_TABLE}')
        return [row[0] for row in rows]


@dataclass(frozen=True)
class MigrationChecks:
    service: str
    """The service's name, which is also its schema's and its roles' prefix."""
    migrations_dir: Path

    def heads(self) -> list[str]:
        return list(ScriptDirectory(str(self.migrations_dir)).get_heads())

    def assert_one_head(self) -> None:
        heads = self.heads()
        assert len(heads) == 1, f"{self.service}: the migrations have {len(heads)} heads {heads}"

    def assert_no_drift(self, admin_url: str) -> None:
        with throwaway_database(admin_url, self.service) as url:
            upgrade_to_head(self.migrations_dir, url, self.service)
            assert _version(url, self.service) == self.heads()
            self._assert_matches_tables(url)

    def assert_round_trip(self, admin_url: str) -> None:
        with throwaway_database(admin_url, self.service) as url:
            upgrade_to_head(self.migrations_dir, url, self.service)
            command.downgrade(alembic_config(self.migrations_dir, url), "base")
            leftovers = [
                name for name in _relations(url, self.service) if not name.startswith(VERSION_TABLE)
            ]
            assert leftovers == [], f"{self.service}: downgrade base left {leftovers}"
            assert _version(url, self.service) == []
            upgrade_to_head(self.migrations_dir, url, self.service)
            assert _version(url, self.service) == self.heads()
            self._assert_matches_tables(url)

    def _assert_matches_tables(self, url: str) -> None:
        diffs = schema_drift(self.migrations_dir, url)
        assert diffs == [], (
            f"{self.service}: the migrated schema and tables.py differ "
            f"(fix tables.py, or the migration if it is wrong):\n{pprint.pformat(diffs)}"
        )
