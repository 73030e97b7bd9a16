"""Users' aggregates: a person's profile (role, status, preferences) and teams of people.

Each method checks the rules, changes the aggregate and records what happened (a domain
event of `events.py`); the unit of work collects the events when it commits.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cache
from zoneinfo import available_timezones

from users_service.domain import events as domain_events
from users_service.domain.errors import (
    AlreadyATeamMember,
    NotATeamMember,
    ValidationFailed,
)

PERSON_NAME_MAX = 100
TEAM_NAME_MAX = 100
TEAM_DESCRIPTION_MAX = 2000
DEFAULT_TIMEZONE = "UTC"


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


class NotificationType(StrEnum):
    TASK_ASSIGNED = "task_assigned"
    TASK_UNASSIGNED = "task_unassigned"
    TASK_STATUS_CHANGED = "task_status_changed"
    TASK_COMMENTED = "task_commented"
    TASK_CREATED = "task_created"
    TASK_OVERDUE = "task_overdue"
    TASK_DUE_SOON = "task_due_soon"
    DAILY_SUMMARY = "daily_summary"


NotificationPreferences = dict[NotificationType, bool]
"""Notification type → send it by email. Every type is always present."""


def default_notification_preferences() -> NotificationPreferences:
    return dict.fromkeys(NotificationType, True)


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones()) | {DEFAULT_TIMEZONE}


def is_valid_timezone(name: str) -> bool:
    """An IANA zone name known to this process's tz database (e.g. `Europe/Paris`)."""
    return name in _zone_names()


def _has_control_characters(value: str, *, allow_newlines: bool = False) -> bool:
    allowed = {"\n", "\r", "\t"} if allow_newlines else set()
    return any(unicodedata.category(char).startswith("C") and char not in allowed for char in value)


def _clean_text(
    errors: dict[str, list[str]],
    name: str,
    value: str,
    *,
    min_length: int,
    max_length: int,
    multiline: bool = False,
) -> str:
    cleaned = unicodedata.normalize("NFC", value).strip()
    if len(cleaned) < min_length:
        errors.setdefault(name, []).append(f"Must be at least {min_length} character(s) long.")
    if len(cleaned) > max_length:
        errors.setdefault(name, []).append(f"Must be at most {max_length} characters long.")
    if _has_control_characters(cleaned, allow_newlines=multiline):
        errors.setdefault(name, []).append("Must not contain control characters.")
    return cleaned


def _sanitise_name(value: str) -> str:
    kept = "".join(
        " " if unicodedata.category(char).startswith("C") else char
        for char in unicodedata.normalize("NFC", value)
    )
    return kept.strip()[:PERSON_NAME_MAX].strip()


def _check_preferences(
    errors: dict[str, list[str]], values: Mapping[str, object]
) -> dict[NotificationType, bool]:
    known = {kind.value: kind for kind in NotificationType}
    checked: dict[NotificationType, bool] = {}
    for key, enabled in values.items():
        name = f"notification_preferences.{key}"
        if key not in known:
            errors.setdefault(name, []).append("Unknown notification type.")
        elif not isinstance(enabled, bool):
            errors.setdefault(name, []).append("Must be true or false.")
        else:
            checked[known[key]] = enabled
    return checked


@dataclass(frozen=True, slots=True)
class ProfileChanges:
    """What a caller asks to change; None leaves a field as it is.

    `notification_preferences` is merged into the current mapping, so a partial mapping
    changes only the types it names (a full one replaces them all).
    """

    first_name: str | None = None
    last_name: str | None = None
    timezone: str | None = None
    notification_preferences: Mapping[str, object] | None = None
    available: bool | None = None
    role: Role | None = None
    is_active: bool | None = None

    @property
    def touches_admin_fields(self) -> bool:
        return self.role is not None or self.is_active is not None


@dataclass(slots=True)
class Profile:
    id: uuid.UUID
    username: str
    email: str
    first_name: str
    last_name: str
    role: Role
    is_active: bool
    timezone: str
    notification_preferences: NotificationPreferences
    created_at: datetime
    updated_at: datetime
    version: int = 1
    available: bool = True
    """False while the person is away: the tasks service's auto-assignment skips them."""
    events: list[domain_events.ProfileEvent] = field(
        default_factory=list, compare=False, repr=False
    )
    """Recorded and not yet handed to the unit of work."""

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.username

    @classmethod
    def register(
        cls,
        *,
        user_id: uuid.UUID,
        username: str,
        email: str,
        first_name: str,
        last_name: str,
        role: Role,
        at: datetime,
    ) -> Profile:
        """The profile of a newly registered account, with default preferences.

        Names are sanitised, never refused: auth accepted the registration, and a refusal
        here would leave the account without a profile.
        """
        profile = cls(
            id=user_id,
            username=username,
            email=email,
            first_name=_sanitise_name(first_name),
            last_name=_sanitise_name(last_name),
            role=role,
            is_active=True,
            timezone=DEFAULT_TIMEZONE,
            notification_preferences=default_notification_preferences(),
            created_at=at,
            updated_at=at,
        )
        profile._record(domain_events.ProfileCreated(user_id=user_id, actor_id=None, at=at))
        return profile

    def apply(
        self, changes: ProfileChanges, at: datetime, *, by: uuid.UUID | None = None
    ) -> frozenset[str]:
        """Validate and apply `changes` (by `by`); returns the fields that really changed.

        Nothing changes (not even the version) and nothing is recorded when any field is
        invalid or when every value equals the current one. A change records ProfileUpdated,
        then ProfileDeactivated if it deactivated the profile.
        """
        errors: dict[str, list[str]] = {}
        wanted: dict[str, object] = {}
        if changes.first_name is not None:
            wanted["first_name"] = _clean_text(
                errors, "first_name", changes.first_name, min_length=0, max_length=PERSON_NAME_MAX
            )
        if changes.last_name is not None:
            wanted["last_name"] = _clean_text(
                errors, "last_name", changes.last_name, min_length=0, max_length=PERSON_NAME_MAX
            )
        if changes.timezone is not None:
            if is_valid_timezone(changes.timezone):
                wanted["timezone"] = changes.timezone
            else:
                errors.setdefault("timezone", []).append("Not a known IANA time zone name.")
        if changes.notification_preferences is not None:
            merged = dict(self.notification_preferences)
            merged.update(_check_preferences(errors, changes.notification_preferences))
            wanted["notification_preferences"] = merged
        if changes.available is not None:
            wanted["available"] = changes.available
        if changes.role is not None:
            wanted["role"] = changes.role
        if changes.is_active is not None:
            wanted["is_active"] = changes.is_active
        if errors:
            raise ValidationFailed(errors)
        changed = frozenset(name for name, value in wanted.items() if getattr(self, name) != value)
        if not changed:
            return changed
        for name in changed:
            setattr(self, name, wanted[name])
        self._touch(at)
        self._record(
            domain_events.ProfileUpdated(user_id=self.id, actor_id=by, at=at, changed=changed)
        )
        if "is_active" in changed and not self.is_active:
            self._record(domain_events.ProfileDeactivated(user_id=self.id, actor_id=by, at=at))
        return changed

    def republish(self, at: datetime) -> None:
        """Announce the profile as it is (replica rebuilds); no new version."""
        self._record(domain_events.ProfileRepublished(user_id=self.id, actor_id=None, at=at))

    def pull_events(self) -> list[domain_events.ProfileEvent]:
        recorded, self.events = self.events, []
        return recorded

    def _touch(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1

    def _record(self, event: domain_events.ProfileEvent) -> None:
        self.events.append(event)


@dataclass(frozen=True, slots=True)
class Membership:
    user_id: uuid.UUID
    added_at: datetime
    added_by: uuid.UUID


@dataclass(slots=True)
class Team:
    id: uuid.UUID
    name: str
    description: str
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1
    members: list[Membership] = field(default_factory=list)
    events: list[domain_events.TeamEvent] = field(default_factory=list, compare=False, repr=False)
    """Recorded and not yet handed to the unit of work."""

    @property
    def member_ids(self) -> list[uuid.UUID]:
        return [membership.user_id for membership in self.members]

    @classmethod
    def create(
        cls,
        *,
        team_id: uuid.UUID,
        name: str,
        description: str,
        created_by: uuid.UUID,
        at: datetime,
    ) -> Team:
        errors: dict[str, list[str]] = {}
        clean_name = _clean_text(errors, "name", name, min_length=1, max_length=TEAM_NAME_MAX)
        clean_description = _clean_text(
            errors,
            "description",
            description,
            min_length=0,
            max_length=TEAM_DESCRIPTION_MAX,
            multiline=True,
        )
        if errors:
            raise ValidationFailed(errors)
        team = cls(
            id=team_id,
            name=clean_name,
            description=clean_description,
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )
        team._record(domain_events.TeamCreated(team_id=team_id, actor_id=created_by, at=at))
        return team

    def update(
        self,
        *,
        name: str | None,
        description: str | None,
        at: datetime,
        by: uuid.UUID | None = None,
    ) -> frozenset[str]:
        """Rename and/or redescribe; returns the fields that really changed (none: no new
        version, nothing recorded)."""
        errors: dict[str, list[str]] = {}
        wanted: dict[str, str] = {}
        if name is not None:
            wanted["name"] = _clean_text(
                errors, "name", name, min_length=1, max_length=TEAM_NAME_MAX
            )
        if description is not None:
            wanted["description"] = _clean_text(
                errors,
                "description",
                description,
                min_length=0,
                max_length=TEAM_DESCRIPTION_MAX,
                multiline=True,
            )
        if errors:
            raise ValidationFailed(errors)
        changed = frozenset(key for key, value in wanted.items() if getattr(self, key) != value)
        if not changed:
            return changed
        for key in changed:
            setattr(self, key, wanted[key])
        self._touch(at)
        self._record(
            domain_events.TeamUpdated(team_id=self.id, actor_id=by, at=at, changed=changed)
        )
        return changed

    def add_member(self, user_id: uuid.UUID, *, by: uuid.UUID, at: datetime) -> Membership:
        if user_id in self.member_ids:
            raise AlreadyATeamMember()
        membership = Membership(user_id=user_id, added_at=at, added_by=by)
        self.members.append(membership)
        self._touch(at)
        self._record(
            domain_events.MemberAdded(team_id=self.id, actor_id=by, at=at, user_id=user_id)
        )
        return membership

    def remove_member(
        self, user_id: uuid.UUID, *, at: datetime, by: uuid.UUID | None = None
    ) -> None:
        if user_id not in self.member_ids:
            raise NotATeamMember(f"{user_id} is not a member of this team.")
        self.members = [m for m in self.members if m.user_id != user_id]
        self._touch(at)
        self._record(
            domain_events.MemberRemoved(team_id=self.id, actor_id=by, at=at, user_id=user_id)
        )

    def mark_deleted(self, at: datetime, *, by: uuid.UUID | None = None) -> None:
        """A last version, so replicas order the deletion after every earlier change."""
        self._touch(at)
        self._record(domain_events.TeamDeleted(team_id=self.id, actor_id=by, at=at))

    def republish(self, at: datetime) -> None:
        """Announce the team as it is (replica rebuilds); no new version."""
        self._record(domain_events.TeamRepublished(team_id=self.id, actor_id=None, at=at))

    def pull_events(self) -> list[domain_events.TeamEvent]:
        recorded, self.events = self.events, []
        return recorded

    def _touch(self, at: datetime) -> None:
        self.updated_at = at
        self.version += 1

    def _record(self, event: domain_events.TeamEvent) -> None:
        self.events.append(event)
