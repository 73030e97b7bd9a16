"""`taskhive-seed`: demo data on a first start (documented in the README), idempotent.

Run by the embedded mode at start, by the compose `seed` step, and by hand after `make migrate`.
"""

from __future__ import annotations

import logging
import os

from auth_service.application.register import RegisterUser
from auth_service.application.services import AuthServices
from auth_service.domain.errors import AccountAlreadyExists
from auth_service.domain.model import Role

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "taskhive-demo-2026"
DEMO_ACCOUNTS = (
    ("admin", "admin@taskhive.local", "Ada", "Admin", Role.ADMIN),
    ("manager", "manager@taskhive.local", "Max", "Manager", Role.MANAGER),
    ("alice", "alice@taskhive.local", "Alice", "Member", Role.MEMBER),
    ("bob", "bob@taskhive.local", "Bob", "Member", Role.MEMBER),
)


def seed_demo_accounts(services: AuthServices) -> int:
    """Register the demo accounts that do not exist yet; returns how many were created."""
    created = 0
    for username, email, first_name, last_name, role in DEMO_ACCOUNTS:
        try:
            services.register(
                RegisterUser(
                    email=email,
                    username=username,
                    password=DEMO_PASSWORD,
                    first_name=first_name,
                    last_name=last_name,
                    role=role,
                )
            )
            created += 1
        except AccountAlreadyExists:
            continue
    if created:
        logger.info("seeded demo accounts", extra={"accounts_created": created})
    return created


def main() -> None:
    """Seed the database named by the services' settings (AUTH_DATABASE_URL …)."""
    from auth_service.bootstrap import build_runtime
    from auth_service.config import AuthSettings
    from taskhive_shared.logging import configure_logging

    configure_logging("seed", os.environ.get("TASKHIVE_LOG_LEVEL", "INFO"))
    runtime = build_runtime(AuthSettings())  # type: ignore[call-arg]
    created = seed_demo_accounts(runtime.services)
    runtime.engine.dispose()
    print(f"taskhive: {created} demo account(s) created")
