"""Alembic environment of the users schema (the shared runner: taskhive_shared.db.migrations)."""

from taskhive_shared.db.migrations import run_environment

run_environment("users")
