"""Alembic environment of the users schema (the shared runner: taskhive_shared.db.migrations).

Autogenerate compares schema `users` only with `users_service.adapters.persistence.tables`.
"""

from taskhive_shared.db.migrations import run_environment
from users_service.adapters.persistence.tables import SCHEMA, metadata

run_environment(SCHEMA, metadata)
