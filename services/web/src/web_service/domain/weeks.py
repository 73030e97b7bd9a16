"""ISO weeks (`2026-W49`) as the time pages name them, and minutes as people read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# ASCII only: `\d` would also take other scripts' digits, which `int()` reads but people don't.
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.ASCII)
_CLOCK = re.compile(r"^(\d{1,2}):([0-5]\d)$", re.ASCII)
_UNITS = re.compile(r"^(?:(\d+(?:[.,]\d+)?)h)?(?:(\d+)m(?:in)?)?$", re.ASCII)
_NUMBER = re.compile(r"^\d+(?:[.,]\d+)?$", re.ASCII)
MAX_ENTRY_MINUTES = 1440
"""The time API's longest entry (ADR 0022): one day."""
FIRST_YEAR, LAST_YEAR = 1970, 9998
"""The work dates the time API takes."""


@dataclass(frozen=True, slots=True, order=True)
class IsoWeek:
    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek | None:
        """`2026-W49` → the week; None for anything else (a week 53 the year lacks included)."""
        found = _WEEK.match(text.strip())
        if found is None:
            return None
        year, week = int(found[1]), int(found[2])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        try:
            date.fromisocalendar(year, week, 1)
        except ValueError:
            return None
        return cls(year, week)

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        year, week, _ = day.isocalendar()
        return cls(year, week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        monday = self.monday
        return [monday + timedelta(days=offset) for offset in range(7)]

    def previous(self) -> IsoWeek | None:
        """The week before; None before the first week the API knows."""
        found = IsoWeek.of(self.monday - timedelta(days=7))
        return found if found.year >= FIRST_YEAR else None

    def next(self) -> IsoWeek | None:
        """The week after; None past the last week the API knows."""
        day = self.monday + timedelta(days=7)
        found = IsoWeek.of(day)
        return found if found.year <= LAST_YEAR else None

    def contains(self, day: date) -> bool:
        return self.monday <= day <= self.sunday

    def label(self) -> str:
        """`30 Nov - 6 Dec 2026` (with an en dash)."""
        first, last = self.monday, self.sunday
        start = f"{first.day} {first:%b}" + ("" if first.year == last.year else f" {first.year}")
        return f"{start} \N{EN DASH} {last.day} {last:%b} {last.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def clock(minutes: int | None) -> str:
    """Minutes as `h:mm` (`90` → `1:30`); negative values keep their sign; None → empty."""
    if minutes is None:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{rest:02d}"


def parse_duration(text: str) -> int | None:
    """What people type for a span of work, in whole minutes: `1:30`, `1.5` or `1,5` (hours),
    `1h 30m`, `90m`, `2h`. None when it is none of these or outside 1 minute to 24 hours."""
    value = text.strip().lower().replace(" ", "")
    if not value or len(value) > 20:
        return None
    minutes: float
    if found := _CLOCK.match(value):
        minutes = int(found[1]) * 60 + int(found[2])
    elif _NUMBER.match(value):
        minutes = float(value.replace(",", ".")) * 60
    elif (found := _UNITS.match(value)) and (found[1] or found[2]):
        hours = float(found[1].replace(",", ".")) if found[1] else 0.0
        minutes = hours * 60 + (int(found[2]) if found[2] else 0)
    else:
        return None
    whole = round(minutes)
    return whole if 1 <= whole <= MAX_ENTRY_MINUTES else None
