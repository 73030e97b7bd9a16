"""Alembic environment of the timetracking schema (runner: taskhive_shared.db.migrations).

Autogenerate compares schema `timetracking` only with
`timetracking_service.adapters.persistence.tables`.
"""

from taskhive_shared.db.migrations import run_environment
from timetracking_service.adapters.persistence.tables import SCHEMA, metadata

run_environment(SCHEMA, metadata)
