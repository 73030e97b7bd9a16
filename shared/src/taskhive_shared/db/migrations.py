"""Run a service's Alembic migrations programmatically (CLI, embedded mode, tests), and
compare the migrated schema with the service's `tables.py`.

Every service's `migrations/env.py` is one call of `run_environment`, handing Alembic the
service's MetaData: `alembic revision --autogenerate` and `alembic check` then compare that
MetaData with the service's own schema only (`SchemaScope`), and `schema_drift` does the same
comparison through the very same env (the migration tests of every service use it).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.environment import NameFilterParentNames, NameFilterType
from sqlalchemy import MetaData

from taskhive_shared.db.engine import normalise_url

VERSION_TABLE = "alembic_version"

# Kinds of schema object a tables.py need not repeat: the migrations create them and the
# queries do not need them. Those tables.py declares are compared all the same.
_MIGRATION_OWNED_KINDS = frozenset({"index", "unique_constraint", "foreign_key_constraint"})


@dataclass(frozen=True)
class SchemaScope:
    """What autogenerate compares: the tables of one schema against its `tables.py`.

    - Only `schema` is looked at: other schemas are ignored, and so is the version table in
      `schema` (Alembic skips it, as `version_table_schema` names that schema).
    - Tables and columns must match both ways, with their types and nullability.
    - Indexes, unique constraints and foreign keys are compared as far as `tables.py` declares
      them: one it declares must exist in the database as declared, but one that exists only
      in the database is the migrations' business (tables.py does not repeat every index).
    - `undeclared_columns` (table → column names) lists the columns a `tables.py` leaves out on
      purpose, e.g. generated columns that only raw SQL reads. Each must be named: any other
      column missing from `tables.py` is drift.
    """

    schema: str
    undeclared_columns: Mapping[str, Collection[str]] = field(default_factory=dict)

    def include_name(
        self, name: str | None, type_: NameFilterType, parent_names: NameFilterParentNames
    ) -> bool:
        if type_ == "schema":
            return name == self.schema  # None, the connection's default schema, is not ours
        return True

    def include_object(
        self, obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if not reflected or compare_to is not None:
            return True  # declared in tables.py: always compared
        if type_ == "column":
            return name not in self.undeclared_columns.get(obj.table.name, ())
        return type_ not in _MIGRATION_OWNED_KINDS


def alembic_config(migrations_dir: Path, migrator_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    # `%` must be escaped for configparser interpolation.
    config.set_main_option("sqlalchemy.url", normalise_url(migrator_url).replace("%", "%%"))
    return config


def upgrade_to_head(migrations_dir: Path, migrator_url: str, schema: str) -> None:
    config = alembic_config(migrations_dir, migrator_url)
    config.attributes["schema"] = schema
    command.upgrade(config, "head")


def schema_drift(migrations_dir: Path, migrator_url: str) -> list[Any]:
    """The differences Alembic's autogenerate finds between the database at `migrator_url`
    and the env's `target_metadata`, with the env's own filters (`SchemaScope`): [] when the
    migrated schema and `tables.py` agree. The same comparison as `alembic check`."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.environment import EnvironmentContext
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(migrations_dir, migrator_url)
    script = ScriptDirectory.from_config(config)
    diffs: list[Any] = []

    def compare(_revision: Any, context: MigrationContext) -> list[Any]:
        diffs.extend(compare_metadata(context, context.opts["target_metadata"]))
        return []  # nothing to run: compare only

    with EnvironmentContext(config, script, fn=compare):
        script.run_env()
    return diffs


def run_environment(
    schema: str,
    target_metadata: MetaData,
    *,
    undeclared_columns: Mapping[str, Collection[str]] | None = None,
) -> None:
    """The body of every service's `migrations/env.py`: online migrations of one schema, its
    version table inside that schema, as `<SVC>_MIGRATOR_DATABASE_URL` (or the app URL),
    serialised by an advisory lock so that two migrators starting at once do not race.

    `target_metadata` is the service's `tables.py` MetaData, for autogenerate (`SchemaScope`
    says what is compared; `undeclared_columns` are the columns tables.py leaves out on purpose).
    """
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
        # Autogenerate reflects the connection's default schema (this role's search_path: the
        # service's schema) as schema None, and the foreign keys into it without a schema,
        # whereas tables.py names its schema: with no default schema (this engine is ours
        # alone), the service's schema is reflected by name, as tables.py spells it.
        connection.dialect.default_schema_name = None
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
            {"key": f"taskhive-migrate-{schema}"},
        )
        scope = SchemaScope(schema, undeclared_columns or {})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=VERSION_TABLE,
            version_table_schema=schema,
            include_schemas=True,
            include_name=scope.include_name,
            include_object=scope.include_object,
            compare_type=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()
