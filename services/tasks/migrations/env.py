"""Alembic environment of the tasks schema: version table inside `users`, run as tasks_migrator."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool, text

from taskhive_shared.db.engine import normalise_url

SCHEMA = "tasks"
config = context.config
url = config.get_main_option("sqlalchemy.url") or normalise_url(
    os.environ.get("TASKS_MIGRATOR_DATABASE_URL") or os.environ["TASKS_DATABASE_URL"]
)

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text(f"SET search_path TO {SCHEMA}"))
    # Two migrators starting at once (several replicas) must not both run DDL.
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('taskhive-migrate-tasks'))"))
    context.configure(
        connection=connection,
        version_table_schema=SCHEMA,
        include_schemas=False,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
engine.dispose()
