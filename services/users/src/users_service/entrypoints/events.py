"""What users consumes: accounts registered by auth become profiles.

The event processor validates each envelope against its contract, opens a unit of work,
records the inbox row and commits; a handler only applies the effect in that unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from taskhive_shared.events.envelope import EventEnvelope
from users_service.application.create_profile import CreateProfileFromRegistration
from users_service.application.ports import UsersUnitOfWork
from users_service.application.services import UsersServices

QUEUE = "users.auth-events"
"""Also the `consumer` of this queue's rows in `users.inbox`."""
AUTH_EXCHANGE = "auth.events"
USER_REGISTERED = "auth.user.registered.v1"
CONSUMED = (USER_REGISTERED,)
"""The types bound to QUEUE; provisioning declares the queue before any relay publishes."""

EventHandler = Callable[[EventEnvelope, UsersUnitOfWork], None]


def event_handlers(services: UsersServices) -> dict[str, EventHandler]:
    def on_user_registered(envelope: EventEnvelope, uow: UsersUnitOfWork) -> None:
        command = CreateProfileFromRegistration.from_event_data(
            envelope.data, causation_id=str(envelope.id)
        )
        services.create_profile_from_registration(command, uow)

    return {USER_REGISTERED: on_user_registered}
