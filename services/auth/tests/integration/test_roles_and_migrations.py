"""Database roles keep services apart; migrations are repeatable."""

from __future__ import annotations

import psycopg
import pytest

from auth_service.bootstrap import migrate
from taskhive_shared.db.provisioning import provision_service


@pytest.fixture(scope="module")
def foreign_schema(test_database):
    """Another service's schema with a table in it, provisioned the production way."""
    provision_service(
        test_database.url(), "probe", migrator_password="probe_migrator", app_password="probe_app"
    )
    with psycopg.connect(test_database.url("probe_migrator"), autocommit=True) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS probe.secrets (value text)")
        connection.execute("INSERT INTO probe.secrets VALUES ('hidden')")
    return "probe.secrets"


def test_auth_app_cannot_read_another_services_schema(test_database, foreign_schema):
    with (
        psycopg.connect(test_database.url("auth_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(f"SELECT * FROM {foreign_schema}")


def test_auth_app_has_dml_but_no_ddl(test_database, auth_settings):
    with psycopg.connect(test_database.url("auth_app")) as connection:
        assert connection.execute("SELECT count(*) FROM auth.accounts").fetchone() is not None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE auth.sneaky (id int)")
    with (
        psycopg.connect(test_database.url("auth_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("DROP TABLE auth.accounts")


def test_auth_migrator_cannot_touch_another_schema(test_database, foreign_schema):
    with (
        psycopg.connect(test_database.url("auth_migrator")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(f"SELECT * FROM {foreign_schema}")


def test_migrations_and_provisioning_are_idempotent(test_database, auth_settings):
    provision_service(
        test_database.url(), "auth", migrator_password="auth_migrator", app_password="auth_app"
    )
    migrate(auth_settings)
    migrate(auth_settings)
    with psycopg.connect(test_database.url("auth_app")) as connection:
        version = connection.execute("SELECT version_num FROM auth.alembic_version").fetchall()
    assert version == [("0004",)]
