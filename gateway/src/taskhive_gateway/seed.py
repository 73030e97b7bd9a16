"""Demo accounts for a first start of the embedded mode (documented in the README)."""

from __future__ import annotations

import logging

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
