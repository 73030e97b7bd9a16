"""What auth consumes: the users service's profile changes (role, status)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from auth_service.application.ports import AuthUnitOfWork
from auth_service.application.sync_profile import (
    DeactivateAccount,
    DeactivateAccountHandler,
    SyncAccountFromProfile,
    SyncAccountFromProfileHandler,
)
from auth_service.domain.model import Role
from taskhive_shared.events.envelope import EventEnvelope

QUEUE = "auth.users-events"
USERS_EXCHANGE = "users.events"
USER_UPDATED = "users.user.updated.v1"
USER_DEACTIVATED = "users.user.deactivated.v1"
CONSUMED = (USER_UPDATED, USER_DEACTIVATED)
"""The types bound to QUEUE; provisioning declares the queue before any relay publishes."""


def event_handlers(
    sync: SyncAccountFromProfileHandler, deactivate: DeactivateAccountHandler
) -> dict[str, Callable[[EventEnvelope, Any], None]]:
    def on_user_updated(envelope: EventEnvelope, uow: AuthUnitOfWork) -> None:
        data = envelope.data
        sync(
            SyncAccountFromProfile(
                user_id=uuid.UUID(data["user_id"]),
                role=Role(data["role"]),
                is_active=bool(data["is_active"]),
                version=int(data["version"]),
            ),
            uow,
        )

    def on_user_deactivated(envelope: EventEnvelope, uow: AuthUnitOfWork) -> None:
        data = envelope.data
        deactivate(DeactivateAccount(uuid.UUID(data["user_id"]), int(data["version"])), uow)

    return {USER_UPDATED: on_user_updated, USER_DEACTIVATED: on_user_deactivated}
