"""Alembic environment of the analytics schema (the shared runner: taskhive_shared.db.migrations).

Autogenerate compares schema `analytics` only with `analytics_service.adapters.persistence.tables`.
"""

from analytics_service.adapters.persistence.tables import SCHEMA, metadata
from taskhive_shared.db.migrations import run_environment

run_environment(SCHEMA, metadata)
