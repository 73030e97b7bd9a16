"""`taskhive-provision`: database, schemas and roles of every service, then migrations.

Idempotent; run by `make migrate`, `make stack`, the compose `migrate` step and the tests.
"""

from __future__ import annotations

import argparse
import os

from sqlalchemy.engine import make_url

from taskhive_infra.services import SERVICES
from taskhive_shared.db.provisioning import ensure_database, provision_service

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def role_password(service: str, kind: str) -> str:
    """`<SVC>_DB_<KIND>_PASSWORD`, defaulting to the role name for local development."""
    return os.environ.get(f"{service.upper()}_DB_{kind.upper()}_PASSWORD", f"{service}_{kind}")


def database_url_for(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def provision(admin_url: str, database: str, *, migrate: bool = True) -> None:
    ensure_database(admin_url, database)
    target = database_url_for(admin_url, database)
    for service in SERVICES:
        provision_service(
            target,
            service.name,
            migrator_password=role_password(service.name, "migrator"),
            app_password=role_password(service.name, "app"),
        )
        if migrate:
            service.migrate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("TASKHIVE_ADMIN_DATABASE_URL", DEFAULT_ADMIN_URL),
        help="superuser connection (any database of the cluster)",
    )
    parser.add_argument("--database", default=os.environ.get("TASKHIVE_DATABASE_NAME", "taskhive"))
    parser.add_argument("--no-migrate", action="store_true")
    args = parser.parse_args()
    provision(args.admin_url, args.database, migrate=not args.no_migrate)
    print(f"taskhive: database {args.database} provisioned")


if __name__ == "__main__":
    main()
