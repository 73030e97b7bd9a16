"""The analytics migrations: one head; migrated, they are what tables.py says; they go down to
base and up again (the checks: shared/tests/migration_checks.py, one throwaway database each)."""

from __future__ import annotations

from analytics_service.bootstrap import MIGRATIONS_DIR
from shared.tests.migration_checks import MigrationChecks

CHECKS = MigrationChecks("analytics", MIGRATIONS_DIR)


def test_the_migrations_have_one_head() -> None:
    CHECKS.assert_one_head()


def test_the_migrated_schema_is_what_tables_py_declares(test_database) -> None:
    CHECKS.assert_no_drift(test_database.admin_url)


def test_downgrade_to_base_then_upgrade_again(test_database) -> None:
    CHECKS.assert_round_trip(test_database.admin_url)
