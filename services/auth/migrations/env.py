"""Alembic environment of the auth schema (the shared runner: taskhive_shared.db.migrations)."""

from taskhive_shared.db.migrations import run_environment

run_environment("auth")
