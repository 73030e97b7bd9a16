"""Alembic environment of the auth schema (the shared runner: taskhive_shared.db.migrations).

Autogenerate compares schema `auth` only with `auth_service.adapters.persistence.tables`.
"""

from auth_service.adapters.persistence.tables import SCHEMA, metadata
from taskhive_shared.db.migrations import run_environment

run_environment(SCHEMA, metadata)
