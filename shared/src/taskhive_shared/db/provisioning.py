"""Idempotent creation of the database, a service's schema and its two roles.

`<svc>_migrator` owns schema `<svc>` and runs its DDL; `<svc>_app` gets DML only on that
schema and nothing on any other (DESIGN §1, rule 1).
"""

from __future__ import annotations

import re

import psycopg
from psycopg import sql

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,40}$")
EXTENSIONS_SCHEMA = "extensions"
EXTENSIONS = ("pg_trgm",)
"""PostgreSQL extensions the services may use. An extension exists once per database, so it
is the platform's, not a service's: created here (the service roles may not create one), in
schema `extensions`, which holds functions and operators only and which every service's roles
may use (ADR 0019)."""


def _check(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a safe identifier: {name!r}")
    return name


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            connection.execute(
                sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_check(database)))
            )
        connection.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database))
        )


def drop_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(_check(database))
            )
        )


def _ensure_role(
    connection: psycopg.Connection[tuple[object, ...]], role: str, password: str
) -> None:
    exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
    verb = "ALTER" if exists else "CREATE"
    connection.execute(
        sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)
        )
    )


def provision_service(
    database_url: str, service: str, *, migrator_password: str, app_password: str
) -> None:
    """Run as a superuser connected to the target database."""
    schema = _check(service)
    migrator, app = f"{schema}_migrator", f"{schema}_app"
    with psycopg.connect(database_url, autocommit=True) as connection:
        # Serialise concurrent provisioners (parallel test runs, several containers).
        connection.execute("SELECT pg_advisory_lock(hashtext('taskhive-provisioning'))")
        try:
            _ensure_role(connection, migrator, migrator_password)
            _ensure_role(connection, app, app_password)
            database = connection.info.dbname
            ident = sql.Identifier
            statements = [
                sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}, {}").format(
                    ident(database), ident(migrator), ident(app)
                ),
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {} AUTHORIZATION {}").format(
                    ident(schema), ident(migrator)
                ),
                sql.SQL("REVOKE ALL ON SCHEMA public FROM {}, {}").format(
                    ident(migrator), ident(app)
                ),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident(schema), ident(app)),
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
                    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
                ).format(ident(migrator), ident(schema), ident(app)),
                sql.SQL(
                    "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} "
                    "GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {}"
                ).format(ident(migrator), ident(schema), ident(app)),
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(ident(EXTENSIONS_SCHEMA)),
                *(
                    sql.SQL("CREATE EXTENSION IF NOT EXISTS {} SCHEMA {}").format(
                        ident(extension), ident(EXTENSIONS_SCHEMA)
                    )
                    for extension in EXTENSIONS
                ),
                sql.SQL("GRANT USAGE ON SCHEMA {} TO {}, {}").format(
                    ident(EXTENSIONS_SCHEMA), ident(migrator), ident(app)
                ),
                sql.SQL("ALTER ROLE {} SET search_path = {}").format(ident(app), ident(schema)),
                sql.SQL("ALTER ROLE {} SET search_path = {}").format(
                    ident(migrator), ident(schema)
                ),
            ]
            for statement in statements:
                connection.execute(statement)
        finally:
            connection.execute("SELECT pg_advisory_unlock(hashtext('taskhive-provisioning'))")
