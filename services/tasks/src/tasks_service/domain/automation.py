"""Team automation: named working calendars and each team's settings (ADR 0020).

Managers and admins keep them; everyone who reads tasks may read them. A team without
settings, or without a calendar, works the default calendar (Mon-Fri 09:00-17:00 UTC).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tasks_service.domain.calendar import (
    DEFAULT_CALENDAR,
    MAX_HOLIDAYS,
    WorkingCalendar,
    zone_of,
)
from tasks_service.domain.errors import PermissionDenied, ValidationFailed
from tasks_service.domain.fields import Invalid, Text
from tasks_service.domain.permissions import Actor

NAME_MAX = 100
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = Text(1, NAME_MAX)


class AutoAssign(StrEnum):
    OFF = "off"
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


def check_may_automate(actor: Actor) -> None:
    if not actor.is_staff:
        raise PermissionDenied("Only managers and admins change calendars and team settings.")


def parse_clock(value: object) -> time:
    """`"HH:MM"` (24-hour) as a time; Invalid otherwise."""
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise Invalid('Must be a time of day as "HH:MM" (00:00-23:59).')
    return time(int(value[:2]), int(value[3:]))


def clock_text(value: time) -> str:
    return value.strftime("%H:%M")


def _clean_calendar(values: Mapping[str, Any]) -> dict[str, Any]:
    """Each given calendar field normalised; ValidationFailed names every bad one."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}

    def attempt(name: str, clean: Any) -> None:
        if name not in values:
            return
        try:
            cleaned[name] = clean(values[name])
        except Invalid as invalid:
            errors[name] = invalid.messages

    attempt("name", _NAME.clean)
    attempt("timezone", _clean_zone)
    attempt("working_days", _clean_days)
    attempt("day_start", parse_clock)
    attempt("day_end", parse_clock)
    attempt("holidays", _clean_holidays)
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def _clean_zone(value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("Must be an IANA time zone name, e.g. Europe/Berlin.")
    try:
        zone_of(value)
    except ValueError:
        raise Invalid("Must be an IANA time zone name, e.g. Europe/Berlin.") from None
    return value


def _clean_days(value: object) -> frozenset[int]:
    if not isinstance(value, list | tuple | frozenset | set) or not value:
        raise Invalid("Must be a non-empty list of ISO weekdays (1 = Monday to 7 = Sunday).")
    days = set()
    for item in value:
        if not isinstance(item, int) or isinstance(item, bool) or not 1 <= item <= 7:
            raise Invalid("Each must be an ISO weekday, 1 (Monday) to 7 (Sunday).")
        days.add(item)
    return frozenset(days)


def _clean_holidays(value: object) -> frozenset[date]:
    if not isinstance(value, list | tuple | frozenset | set):
        raise Invalid("Must be a list of dates.")
    if len(value) > MAX_HOLIDAYS:
        raise Invalid(f"At most {MAX_HOLIDAYS} holidays.")
    if not all(isinstance(item, date) and not isinstance(item, datetime) for item in value):
        raise Invalid("Each must be a date (YYYY-MM-DD).")
    return frozenset(value)


CALENDAR_FIELDS = ("name", "timezone", "working_days", "day_start", "day_end", "holidays")


@dataclass(kw_only=True, slots=True)
class Calendar:
    id: uuid.UUID
    name: str
    hours: WorkingCalendar
    created_by: uuid.UUID
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def create(
        cls,
        *,
        calendar_id: uuid.UUID,
        values: Mapping[str, Any],
        created_by: uuid.UUID,
        at: datetime,
    ) -> Calendar:
        missing = [name for name in ("name", "timezone") if name not in values]
        if missing:
            raise ValidationFailed({name: ["Missing data for required field."] for name in missing})
        cleaned = _clean_calendar(values)
        calendar = cls(
            id=calendar_id,
            name=cleaned.pop("name"),
            hours=DEFAULT_CALENDAR,
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )
        calendar.hours = _working(DEFAULT_CALENDAR, cleaned)
        return calendar

    def update(self, values: Mapping[str, Any], at: datetime) -> bool:
        """Set the given fields; False when nothing changed."""
        cleaned = _clean_calendar(values)
        name = cleaned.pop("name", self.name)
        hours = _working(self.hours, cleaned)
        if name == self.name and hours == self.hours:
            return False
        self.name, self.hours = name, hours
        self.updated_at = at
        self.version += 1
        return True


def _working(base: WorkingCalendar, cleaned: dict[str, Any]) -> WorkingCalendar:
    hours = replace(base, **cleaned)
    if hours.day_start >= hours.day_end:
        raise ValidationFailed.single("day_end", "Must come after day_start.")
    return hours


@dataclass(kw_only=True, slots=True)
class TeamSettings:
    team_id: uuid.UUID
    calendar_id: uuid.UUID | None = None
    auto_assign: AutoAssign = AutoAssign.OFF
    last_assigned_id: uuid.UUID | None = None
    """Where the round robin stands (not part of the settings' version)."""
    updated_at: datetime | None = None
    version: int = 0
    """0: never saved (the defaults)."""

    def replace_with(
        self, calendar_id: uuid.UUID | None, auto_assign: AutoAssign, at: datetime
    ) -> bool:
        if (calendar_id, auto_assign) == (self.calendar_id, self.auto_assign):
            return False
        self.calendar_id, self.auto_assign = calendar_id, auto_assign
        self.updated_at = at
        self.version += 1
        return True


def pick_assignee(
    mode: AutoAssign,
    candidates: Sequence[tuple[uuid.UUID, Decimal]],
    last_assigned: uuid.UUID | None,
) -> uuid.UUID | None:
    """Whom a new team task without assignees gets: `least_loaded` the member with the
    fewest open estimated hours (ties by id), `round_robin` the member after the last one
    picked (by id, wrapping round); None when off or nobody can take it."""
    if mode is AutoAssign.OFF or not candidates:
        return None
    if mode is AutoAssign.LEAST_LOADED:
        return min(candidates, key=lambda c: (c[1], c[0]))[0]
    members = sorted(user_id for user_id, _ in candidates)
    after = [user_id for user_id in members if last_assigned is None or user_id > last_assigned]
    return (after or members)[0]
