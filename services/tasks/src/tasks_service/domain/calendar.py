"""Working calendars and the arithmetic of working hours (ADR 0020).

A calendar names a time zone, the ISO weekdays worked, the local working day
(`day_start`-`day_end`) and holidays. Each working date gives one interval of real time,
its local start and end placed in the zone (a local time that a DST change skips or repeats
takes the earlier offset, as `zoneinfo` does with `fold=0`). A working hour is an hour of
real time inside such an interval, so a DST change at night changes nothing, and one inside
the working day makes that day an hour longer or shorter.

Pure functions, no I/O: the SLA clock, recurrence and their tests use them alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_HOLIDAYS = 1000
MAX_SEARCH_DAYS = 366 * 400
"""How far the arithmetic looks for working time before giving up (400 years)."""


class NoWorkingTime(ValueError):
    """The calendar has no working time within MAX_SEARCH_DAYS of the instant."""


def zone_of(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError when there is none (or the name is unsafe)."""
    if not name or len(name) > 64 or name.startswith("/") or ".." in name or "\x00" in name:
        raise ValueError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(name) from None


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    timezone: str = "UTC"
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    day_start: time = time(9, 0)
    day_end: time = time(17, 0)
    holidays: frozenset[date] = frozenset()

    @property
    def zone(self) -> ZoneInfo:
        return zone_of(self.timezone)

    def interval(self, day: date) -> tuple[datetime, datetime] | None:
        """The working interval of local date `day` in UTC, or None when it is not worked."""
        if day.isoweekday() not in self.working_days or day in self.holidays:
            return None
        zone = self.zone
        try:
            start = datetime.combine(day, self.day_start, zone).astimezone(UTC)
            end = datetime.combine(day, self.day_end, zone).astimezone(UTC)
        except OverflowError:  # the first or last day of the calendar, in an offset zone
            return None
        return (start, end) if start < end else None

    def intervals_from(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals ending after `moment`, in order, clipped to start at it.

        Each starts no earlier than the previous one ended: where a DST change at midnight
        made two local days overlap in real time, no working hour counts twice."""
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        floor = moment
        for _ in range(MAX_SEARCH_DAYS):
            found = self.interval(day)
            if found is not None and found[1] > floor:
                yield max(found[0], floor), found[1]
                floor = found[1]
            if day >= date.max - timedelta(days=1):
                return
            day += timedelta(days=1)


DEFAULT_CALENDAR = WorkingCalendar()
"""Monday to Friday, 09:00-17:00 UTC: a team without a calendar of its own works these."""


def add_working_hours(calendar: WorkingCalendar, start: datetime, hours: timedelta) -> datetime:
    """The instant at which `hours` of working time have passed since `start`.

    Zero hours from outside working time is `start` itself. NoWorkingTime when the calendar
    offers too little working time (the year 9999, a calendar of holidays only).
    """
    if hours < timedelta(0):
        raise ValueError("hours must not be negative")
    start = start.astimezone(UTC)
    if hours == timedelta(0):
        return start
    remaining = hours
    for begin, end in calendar.intervals_from(start):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise NoWorkingTime("no working time left in this calendar")


def working_hours_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> timedelta:
    """The working time from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -working_hours_between(calendar, end, start)
    total = timedelta(0)
    for begin, finish in calendar.intervals_from(start.astimezone(UTC)):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total
