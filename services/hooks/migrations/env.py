"""Alembic environment of the hooks schema (the shared runner: taskhive_shared.db.migrations)."""

from hooks_service.adapters.persistence.tables import SCHEMA, metadata
from taskhive_shared.db.migrations import run_environment

run_environment(SCHEMA, metadata)
