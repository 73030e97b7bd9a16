"""Alembic environment of the auth schema: version table inside `auth`, run as auth_migrator."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool, text

from taskhive_shared.db.engine import normalise_url

SCHEMA = "auth"
config = context.config
url = config.get_main_option("sqlalchemy.url") or normalise_url(
    os.environ.get("AUTH_MIGRATOR_DATABASE_URL") or os.environ["AUTH_DATABASE_URL"]
)

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text(f"SET search_path TO {SCHEMA}"))
    # Two migrators starting at once (several replicas) must not both run DDL.
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('taskhive-migrate-auth'))"))
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
