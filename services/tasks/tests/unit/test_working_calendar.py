"""Working-hour arithmetic: properties over random calendars, instants and durations
(hypothesis), and worked examples across DST changes and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tasks_service.domain.calendar import (
    DEFAULT_CALENDAR,
    NoWorkingTime,
    WorkingCalendar,
    add_working_hours,
    working_hours_between,
)

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",  # changes at midnight
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "Asia/Kolkata",
    "Pacific/Apia",
]


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    start = draw(st.integers(0, 22 * 60))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    days = draw(st.frozensets(st.integers(1, 7), min_size=1))
    holidays = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2027, 3, 1)), max_size=40))
    return WorkingCalendar(
        timezone=draw(st.sampled_from(ZONES)),
        working_days=days,
        day_start=time(start // 60, start % 60),
        day_end=time(end // 60, end % 60),
        holidays=holidays,
    )


instants = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
durations = st.integers(0, 300 * 60).map(lambda minutes: timedelta(minutes=minutes))


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, durations)
def test_counting_the_hours_added_gives_them_back(
    calendar: WorkingCalendar, start: datetime, hours: timedelta
) -> None:
    due = add_working_hours(calendar, start, hours)
    assert due >= start
    assert working_hours_between(calendar, start, due) == hours


@settings(max_examples=100, deadline=None)
@given(calendars(), instants, durations, durations)
def test_adding_is_monotonic_and_composes(
    calendar: WorkingCalendar, start: datetime, first: timedelta, second: timedelta
) -> None:
    try:
        both = add_working_hours(calendar, start, first + second)
    except NoWorkingTime:
        # Past the search horizon from `start` (a minute a week, hundreds of hours): the
        # horizon moves with the instant, so composing from a later one is another question.
        assume(False)
    one = add_working_hours(calendar, start, first)
    assert one <= both
    assert add_working_hours(calendar, one, second) == both


@settings(max_examples=100, deadline=None)
@given(calendars(), instants, instants, instants)
def test_counting_is_additive_and_antisymmetric(
    calendar: WorkingCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    ab = working_hours_between(calendar, a, b)
    assert ab + working_hours_between(calendar, b, c) == working_hours_between(calendar, a, c)
    assert working_hours_between(calendar, b, a) == -ab
    assert timedelta(0) <= ab <= b - a


@settings(max_examples=100, deadline=None)
@given(calendars(), instants, st.integers(1, 300 * 60))
def test_a_due_instant_lies_in_working_time_of_a_working_day(
    calendar: WorkingCalendar, start: datetime, minutes: int
) -> None:
    due = add_working_hours(calendar, start, timedelta(minutes=minutes))
    # The last minute before `due` was worked, on a working, non-holiday local date.
    assert working_hours_between(calendar, due - timedelta(minutes=1), due) > timedelta(0)
    local_day = (due - timedelta(microseconds=1)).astimezone(ZoneInfo(calendar.timezone))
    assert local_day.isoweekday() in calendar.working_days
    assert local_day.date() not in calendar.holidays


def test_the_default_calendar_skips_the_weekend() -> None:
    friday_4pm = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert add_working_hours(DEFAULT_CALENDAR, friday_4pm, timedelta(hours=2)) == datetime(
        2026, 12, 7, 10, 0, tzinfo=UTC
    )
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    assert add_working_hours(DEFAULT_CALENDAR, saturday, timedelta(0)) == saturday
    assert working_hours_between(
        DEFAULT_CALENDAR, saturday, datetime(2026, 12, 8, 0, 0, tzinfo=UTC)
    ) == timedelta(hours=8)


def test_a_holiday_is_not_worked() -> None:
    calendar = WorkingCalendar(holidays=frozenset({date(2026, 12, 25)}))
    thursday_5pm = datetime(2026, 12, 24, 17, 0, tzinfo=UTC)
    assert add_working_hours(calendar, thursday_5pm, timedelta(hours=1)) == datetime(
        2026, 12, 28, 10, 0, tzinfo=UTC
    )


def test_a_dst_change_inside_the_working_day_changes_its_length() -> None:
    night_shift = WorkingCalendar(
        timezone="Europe/Berlin",
        working_days=frozenset(range(1, 8)),
        day_start=time(1, 0),
        day_end=time(5, 0),
    )
    berlin = ZoneInfo("Europe/Berlin")
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=berlin)  # 02:00 → 03:00
    autumn = datetime(2026, 10, 25, 0, 0, tzinfo=berlin)  # 03:00 → 02:00
    day = timedelta(hours=23)
    assert working_hours_between(night_shift, spring, spring + day) == timedelta(hours=3)
    assert working_hours_between(night_shift, autumn, autumn + day) == timedelta(hours=5)


def test_the_working_day_follows_local_time_across_dst() -> None:
    new_york = WorkingCalendar(timezone="America/New_York")
    friday = datetime(2026, 3, 6, 21, 0, tzinfo=UTC)  # 16:00 EST
    # Monday after the change (EDT, UTC-4): 09:00 local is 13:00 UTC.
    assert add_working_hours(new_york, friday, timedelta(hours=2)) == datetime(
        2026, 3, 9, 14, 0, tzinfo=UTC
    )


def test_a_calendar_without_working_time_says_so() -> None:
    never = WorkingCalendar(
        working_days=frozenset({1}),
        holidays=frozenset(),
    )
    late = datetime(9999, 12, 30, 12, 0, tzinfo=UTC)
    with pytest.raises(NoWorkingTime):
        add_working_hours(never, late, timedelta(hours=100))
