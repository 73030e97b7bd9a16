"""Database roles keep services apart; migrations are repeatable."""

from __future__ import annotations

import psycopg
import pytest

from taskhive_shared.db.provisioning import provision_service
from users_service.bootstrap import migrate

TABLES = {
    "profiles",
    "teams",
    "team_memberships",
    "idempotency_keys",
    "welcome_emails",
    "outbox",
    "inbox",
}


def test_users_app_cannot_read_the_auth_schema(test_database, users_settings) -> None:
    with (
        psycopg.connect(test_database.url("users_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT count(*) FROM auth.accounts")


def test_users_migrator_cannot_read_the_auth_schema(test_database, users_settings) -> None:
    with (
        psycopg.connect(test_database.url("users_migrator")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT count(*) FROM auth.accounts")


def test_auth_app_cannot_read_the_users_schema(test_database, users_settings) -> None:
    with (
        psycopg.connect(test_database.url("auth_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT count(*) FROM users.profiles")


def test_users_app_has_dml_but_no_ddl(test_database, users_settings) -> None:
    with psycopg.connect(test_database.url("users_app")) as connection:
        for table in sorted(TABLES):
            assert connection.execute(f"SELECT count(*) FROM users.{table}").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE users.sneaky (id int)")
    with (
        psycopg.connect(test_database.url("users_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("DROP TABLE users.profiles")


def test_migrations_and_provisioning_are_idempotent(test_database, users_settings) -> None:
    provision_service(
        test_database.url(), "users", migrator_password="users_migrator", app_password="users_app"
    )
    migrate(users_settings)
    migrate(users_settings)
    with psycopg.connect(test_database.url("users_app")) as connection:
        version = connection.execute("SELECT version_num FROM users.alembic_version").fetchall()
        tables = {
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'users'"
            )
        }
    assert version == [("0004",)]
    assert tables >= TABLES
