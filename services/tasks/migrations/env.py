"""Alembic environment of the tasks schema (the shared runner: taskhive_shared.db.migrations).

Autogenerate compares schema `tasks` only with `tasks_service.adapters.persistence.tables`.
"""

from taskhive_shared.db.migrations import run_environment
from tasks_service.adapters.persistence.tables import SCHEMA, metadata

# Generated columns of migration 0001 that tables.py leaves out on purpose (only the raw SQL
# of the read path reads them; nothing writes them), and `score_changes_at` (0010: read and
# written by the score SQL only; its ±infinity has no Python datetime): not drift. Any other
# column missing from tables.py is.
UNDECLARED_COLUMNS = {
    "tasks": ("status_rank", "priority_rank", "search_vector", "score_changes_at")
}

run_environment(SCHEMA, metadata, undeclared_columns=UNDECLARED_COLUMNS)
