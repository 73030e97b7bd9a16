"""Run a service's Alembic migrations programmatically (CLI, embedded mode, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from taskhive_shared.db.engine import normalise_url


def upgrade_to_head(migrations_dir: Path, migrator_url: str, schema: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # `%` must be escaped for configparser interpolation.
    config.set_main_option("sqlalchemy.url", normalise_url(migrator_url).replace("%", "%%"))
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


def run_environment(schema: str) -> None:
    """The body of every service's `migrations/env.py`: online migrations of one schema, its
    version table inside that schema, as `<SVC>_MIGRATOR_DATABASE_URL` (or the app URL),
    serialised by an advisory lock so that two migrators starting at once do not race."""
    import os

    from alembic import context
    from sqlalchemy import create_engine, pool, text

    prefix = schema.upper()
    url = context.config.get_main_option("sqlalchemy.url") or normalise_url(
        os.environ.get(f"{prefix}_MIGRATOR_DATABASE_URL") or os.environ[f"{prefix}_DATABASE_URL"]
    )
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.execute(text(f'SET search_path TO "{schema}"'))
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"taskhive-migrate-{schema}"},
        )
        context.configure(
            connection=connection,
            version_table_schema=schema,
            include_schemas=False,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()
