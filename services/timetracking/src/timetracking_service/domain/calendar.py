"""Working calendars and the arithmetic of days: minutes per local day, expected hours,
overtime. Pure functions over aware datetimes; every boundary is a whole minute in UTC
(time stamps are kept to the minute, and every zone offset since 1970 is whole minutes)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTE = timedelta(minutes=1)
_ISO_WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}", re.ASCII)


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """A team's working calendar as the tasks service defines it (ADR 0020): a time zone,
    the ISO weekdays worked (1 = Monday), the local working day and holidays. The default
    is 8 h Monday to Friday (09:00-17:00 UTC), the rule when a team has no calendar."""

    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def default(cls) -> WorkingCalendar:
        return DEFAULT_CALENDAR

    def expected(self, day: date) -> int:
        """Expected minutes on the calendar date `day`: the real time from `day_start` to
        `day_end` in the calendar's zone (a DST change inside the working day makes it an
        hour longer or shorter), nothing on other weekdays and holidays."""
        if day.isoweekday() not in self.working_days or day in self.holidays:
            return 0
        zone = _zone(self.timezone)
        try:
            start = datetime.combine(day, self.day_start, zone).astimezone(UTC)
            end = datetime.combine(day, self.day_end, zone).astimezone(UTC)
        except OverflowError:  # the first or last date there is, in an offset zone
            return 0
        return max(0, int((end - start) // MINUTE))


DEFAULT_CALENDAR = WorkingCalendar()
"""8 h Monday to Friday: a user whose teams have no calendar works these."""


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return UTC


def split_by_local_day(start: datetime, end: datetime, zone: tzinfo) -> dict[date, int]:
    """Minutes of [start, end) falling on each local calendar day of `zone` (DST-aware: a
    day can last 23 or 25 hours). The parts always add up to the whole."""
    parts: dict[date, int] = {}
    current = start.astimezone(UTC)
    end_utc = end.astimezone(UTC)
    while current < end_utc:
        local_day = current.astimezone(zone).date()
        midnight = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=zone)
        # A zone whose midnight does not exist (DST at 00:00) still moves forward.
        boundary = max(midnight.astimezone(UTC), current + MINUTE)
        stop = min(boundary, end_utc)
        parts[local_day] = parts.get(local_day, 0) + int((stop - current) // MINUTE)
        current = stop
    return parts


@dataclass(frozen=True, slots=True)
class DayBalance:
    day: date
    expected_minutes: int
    worked_minutes: int

    @property
    def overtime_minutes(self) -> int:
        return max(0, self.worked_minutes - self.expected_minutes)


@dataclass(frozen=True, slots=True)
class WeekBalance:
    days: tuple[DayBalance, ...]

    @property
    def expected_minutes(self) -> int:
        return sum(day.expected_minutes for day in self.days)

    @property
    def worked_minutes(self) -> int:
        return sum(day.worked_minutes for day in self.days)

    @property
    def overtime_minutes(self) -> int:
        """The week nets its days: an hour short on Monday offsets an hour over on Tuesday."""
        return max(0, self.worked_minutes - self.expected_minutes)


def week_balance(
    week_days: Iterable[date], worked: Mapping[date, int], calendar: WorkingCalendar
) -> WeekBalance:
    return WeekBalance(
        tuple(DayBalance(day, calendar.expected(day), worked.get(day, 0)) for day in week_days)
    )


def parse_iso_week(text: str) -> date:
    """`2026-W49` → the Monday of that ISO week; ValueError when it is not one."""
    if not _ISO_WEEK.fullmatch(text):
        raise ValueError("Must be an ISO week such as 2026-W49.")
    year, week = int(text[:4]), int(text[6:])
    if not 1 <= year <= 9998:
        raise ValueError("The year must lie between 0001 and 9998.")
    try:
        return date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise ValueError(f"Year {year} has no week {week}.") from exc


def iso_week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_start(day: date) -> date:
    return day - timedelta(days=day.isoweekday() - 1)


def floor_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)
