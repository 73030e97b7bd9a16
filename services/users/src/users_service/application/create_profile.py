"""CreateProfileFromRegistration: the profile of an account auth has just registered."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from users_service.application.ports import Clock, UsersUnitOfWork, WelcomeEmailQueue
from users_service.domain.model import Profile, Role


@dataclass(frozen=True, slots=True)
class CreateProfileFromRegistration:
    user_id: uuid.UUID
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    causation_id: str | None = None

    @classmethod
    def from_event_data(
        cls, data: dict[str, Any], *, causation_id: str | None = None
    ) -> CreateProfileFromRegistration:
        """From `auth.user.registered.v1` data (validated against its contract on receipt)."""
        return cls(
            user_id=uuid.UUID(str(data["user_id"])),
            username=str(data["username"]),
            email=str(data["email"]),
            first_name=str(data.get("first_name") or ""),
            last_name=str(data.get("last_name") or ""),
            role=Role(data["role"]),
            causation_id=causation_id,
        )


@dataclass(frozen=True, slots=True)
class CreateProfileFromRegistrationHandler:
    """Runs inside the caller's unit of work and never commits: the event consumer
    commits it together with its inbox row, and with the profile's `users.user.created.v1`
    (caused by the registration). The welcome email is enqueued once that commit happened (a
    lost enqueue is found by the welcome-email sweeper)."""

    clock: Clock
    welcome_emails: WelcomeEmailQueue

    def __call__(self, command: CreateProfileFromRegistration, uow: UsersUnitOfWork) -> bool:
        """True when the profile was created now; False when it already existed."""
        uow.causation_id = command.causation_id
        profile = Profile.register(
            user_id=command.user_id,
            username=command.username,
            email=command.email,
            first_name=command.first_name,
            last_name=command.last_name,
            role=command.role,
            at=self.clock.now(),
        )
        if not uow.profiles.add_if_absent(profile):
            return False
        uow.after_commit(lambda: self.welcome_emails.enqueue(profile.id))
        return True
