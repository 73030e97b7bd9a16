"""What the users use cases need from the outside world, by role."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from taskhive_shared.events.outbox import EventOutbox
from taskhive_shared.idempotency import IdempotencyStore
from taskhive_shared.mail.templates import RenderedEmail
from users_service.domain.model import Membership, Profile, Role, Team


@dataclass(frozen=True, slots=True)
class ProfilePosition:
    """Where a page of the directory ends: its order is (lower(username), id)."""

    username_key: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ProfileSearch:
    text: str | None = None
    include_email_in_text: bool = False
    role: Role | None = None
    is_active: bool | None = None
    team_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class TeamPosition:
    """Where a page of teams ends: its order is (lower(name), id)."""

    name_key: str
    id: uuid.UUID


@dataclass(frozen=True, slots=True)
class TeamSearch:
    text: str | None = None
    member_id: uuid.UUID | None = None


class ProfileRepository(Protocol):
    """Remembers every profile it hands out (and each one it inserts), with the version it
    had then: on commit, application.recording writes what they recorded."""

    def add_if_absent(self, profile: Profile) -> bool:
        """Insert unless a profile with this id exists; True when inserted (race-safe)."""

    def get(self, user_id: uuid.UUID) -> Profile | None: ...

    def get_for_update(self, user_id: uuid.UUID) -> Profile | None:
        """Locks the row until the unit of work ends: writers of one profile take turns."""

    def seen(self) -> list[tuple[Profile, int]]:
        """Each profile handed out or inserted by this unit of work, with the version it was
        handed out (or last saved) at."""

    def save(self, profile: Profile, *, expected_version: int) -> None:
        """Write only if the stored version is still `expected_version`, else StaleVersion;
        the profile is then remembered at its new version."""

    def search(
        self, criteria: ProfileSearch, after: ProfilePosition | None, limit: int
    ) -> list[tuple[Profile, ProfilePosition]]:
        """Up to `limit` profiles after `after`, in (lower(username), id) order."""

    def usernames(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]: ...

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Profile]:
        """Every profile in id order, a batch at a time (snapshots)."""


class TeamRepository(Protocol):
    """Remembers every team it hands out (and each one it adds), with the version it had
    then: on commit, application.recording writes what they recorded."""

    def add(self, team: Team) -> None:
        """Inserts at once: raises TeamNameTaken when the name is taken in any letter case."""

    def get(self, team_id: uuid.UUID) -> Team | None: ...

    def get_for_update(self, team_id: uuid.UUID) -> Team | None:
        """Locks the team until the unit of work ends (memberships change in turns)."""

    def seen(self) -> list[tuple[Team, int]]:
        """Each team handed out or added by this unit of work, with the version it was
        handed out (or last saved) at."""

    def name_taken(self, name: str, *, excluding: uuid.UUID | None = None) -> bool: ...

    def save(self, team: Team, *, expected_version: int) -> None:
        """Conditional on the stored version (StaleVersion); TeamNameTaken on a clash; the
        team is then remembered at its new version. Memberships are not written here."""

    def delete(self, team_id: uuid.UUID, *, expected_version: int) -> None:
        """Conditional on the stored version (StaleVersion); memberships go with it."""

    def add_member(self, team_id: uuid.UUID, membership: Membership) -> None:
        """A membership that exists already is left as it is."""

    def remove_member(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None: ...

    def team_ids_of(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """Each user's teams (users in no team are absent from the mapping)."""

    def search(
        self, criteria: TeamSearch, after: TeamPosition | None, limit: int
    ) -> list[tuple[Team, TeamPosition]]: ...

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Team]: ...


class WelcomeStatus(StrEnum):
    PENDING = "pending"
    """Claimed, not sent yet (a transient failure leaves it so, for a retry)."""
    SENT = "sent"
    FAILED = "failed"
    """Refused for good (a 5xx) or given up after too many attempts."""
    SKIPPED = "skipped"
    """Never to be sent (deactivated account, registered before welcome emails)."""


@dataclass(frozen=True, slots=True)
class WelcomeEmailRecord:
    user_id: uuid.UUID
    status: WelcomeStatus
    attempts: int
    message_id: str | None = None
    last_error: str | None = None


class WelcomeEmailRepository(Protocol):
    def claim(self, user_id: uuid.UUID, at: datetime) -> WelcomeEmailRecord:
        """The profile's welcome row, created pending if absent, locked until the unit of
        work ends: a concurrent claim of the same row waits, then sees the outcome."""

    def mark_sent(self, user_id: uuid.UUID, message_id: str, at: datetime) -> None: ...

    def mark_failed(self, user_id: uuid.UUID, error: str, at: datetime, *, final: bool) -> None:
        """Count the attempt; `final` makes it failed, else it stays pending for a retry."""

    def mark_skipped(self, user_id: uuid.UUID, reason: str, at: datetime) -> None: ...

    def due(
        self,
        *,
        created_after: datetime,
        created_before: datetime,
        stale_before: datetime,
        limit: int,
    ) -> list[uuid.UUID]:
        """Active profiles created in the window without a welcome row, or whose pending
        row was last touched before `stale_before` (a lost job or exhausted retries)."""


class UsersUnitOfWork(Protocol):
    """On commit, writes what the profiles and teams its repositories handed out recorded,
    with their outbox events (application.recording.record_changes)."""

    causation_id: str | None
    """The message this unit of work applies, if any: the events it writes name it as
    their cause. None when it starts."""

    @property
    def profiles(self) -> ProfileRepository: ...

    @property
    def teams(self) -> TeamRepository: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def outbox(self) -> EventOutbox: ...

    @property
    def welcome_emails(self) -> WelcomeEmailRepository: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed (never after a rollback)."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UsersUnitOfWork]
"""A fresh unit of work per use-case call: handlers are shared across threads."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class WelcomeEmailQueue(Protocol):
    def enqueue(self, user_id: uuid.UUID) -> None:
        """Ask for the welcome email of this profile to be sent (by a background job)."""


class EmailRenderer(Protocol):
    def render(self, name: str, context: Mapping[str, object]) -> RenderedEmail: ...
