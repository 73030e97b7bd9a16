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
