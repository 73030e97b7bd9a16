"""Overtime arithmetic and the split of entries across local days (DST included)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timetracking_service.domain.calendar import (
    WorkingCalendar,
    iso_week_of,
    parse_iso_week,
    split_by_local_day,
    week_balance,
    week_start,
)

ZONES = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Santiago",
    "Asia/Tehran",
]
MINUTE_MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 12, 31)).map(
    lambda moment: moment.replace(second=0, microsecond=0, tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(
    start=MINUTE_MOMENTS,
    minutes=st.integers(min_value=1, max_value=3 * 24 * 60),
    zone=st.sampled_from(ZONES),
)
def test_splitting_across_local_days_preserves_the_total(
    start: datetime, minutes: int, zone: str
) -> None:
    parts = split_by_local_day(start, start + timedelta(minutes=minutes), ZoneInfo(zone))
    assert sum(parts.values()) == minutes
    assert all(value > 0 for value in parts.values())
    # Each part lies on a local day the span touches, in order, without gaps.
    days = sorted(parts)
    assert days[0] == start.astimezone(ZoneInfo(zone)).date()
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))]


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.integers(min_value=1, max_value=600), min_size=1, max_size=8),
    start=MINUTE_MOMENTS,
    zone=st.sampled_from(ZONES),
)
def test_a_span_cut_into_entries_gives_the_same_day_totals(
    pieces: list[int], start: datetime, zone: str
) -> None:
    """Splitting work into consecutive entries changes no day's total, nor the week's."""
    tz = ZoneInfo(zone)
    whole = split_by_local_day(start, start + timedelta(minutes=sum(pieces)), tz)
    summed: dict[date, int] = {}
    cursor = start
    for piece in pieces:
        for day, value in split_by_local_day(cursor, cursor + timedelta(minutes=piece), tz).items():
            summed[day] = summed.get(day, 0) + value
        cursor += timedelta(minutes=piece)
    assert summed == whole


def test_a_dst_night_in_paris_lasts_an_hour_more_in_autumn_and_less_in_spring() -> None:
    paris = ZoneInfo("Europe/Paris")
    # (Arithmetic in UTC: an aware datetime plus a timedelta moves its wall clock.)
    autumn = datetime(2026, 10, 25, 0, 0, tzinfo=paris).astimezone(UTC)
    assert split_by_local_day(autumn, autumn + timedelta(hours=25), paris) == {
        date(2026, 10, 25): 25 * 60
    }
    spring = datetime(2026, 3, 29, 0, 0, tzinfo=paris).astimezone(UTC)
    parts = split_by_local_day(spring, spring + timedelta(hours=24), paris)
    assert parts == {date(2026, 3, 29): 23 * 60, date(2026, 3, 30): 60}


def test_overtime_per_day_and_per_week() -> None:
    monday = date(2026, 11, 30)
    days = [monday + timedelta(days=i) for i in range(7)]
    worked = {monday: 600, monday + timedelta(1): 420, monday + timedelta(5): 120}
    balance = week_balance(days, worked, WorkingCalendar.default())
    assert [d.expected_minutes for d in balance.days] == [480] * 5 + [0, 0]
    assert [d.overtime_minutes for d in balance.days] == [120, 0, 0, 0, 0, 120, 0]
    assert balance.expected_minutes == 2400
    assert balance.worked_minutes == 1140
    assert balance.overtime_minutes == 0  # the week nets its days


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 6), st.integers(0, 1440)))
def test_week_overtime_is_never_more_than_the_days_overtime(
    worked_by_offset: dict[int, int],
) -> None:
    monday = date(2026, 11, 30)
    days = [monday + timedelta(days=i) for i in range(7)]
    worked = {monday + timedelta(days=k): v for k, v in worked_by_offset.items()}
    balance = week_balance(days, worked, WorkingCalendar.default())
    assert balance.worked_minutes == sum(worked.values())
    assert balance.overtime_minutes <= sum(d.overtime_minutes for d in balance.days)
    assert balance.overtime_minutes == max(0, balance.worked_minutes - 2400)


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W49", date(2026, 11, 30)),
        ("2020-W53", date(2020, 12, 28)),
        ("2026-W01", date(2025, 12, 29)),
    ],
)
def test_iso_weeks_parse_to_their_monday_and_back(text: str, monday: date) -> None:
    assert parse_iso_week(text) == monday
    assert iso_week_of(monday) == text
    assert week_start(monday + timedelta(days=6)) == monday


@pytest.mark.parametrize(
    "text",
    [
        "2026-W54",
        "2026-W00",
        "2026-49",
        "2026-W5",
        "0000-W01",
        "9999-W52",
        "\uff12\uff10\uff12\uff16-W01",  # full-width digits
        "",
    ],
)
def test_other_weeks_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_iso_week(text)


DAYS = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
LOCAL_TIMES = st.times().map(lambda moment: moment.replace(second=0, microsecond=0))


@settings(max_examples=300, deadline=None)
@given(
    day=DAYS,
    zone=st.sampled_from(ZONES),
    bounds=st.tuples(LOCAL_TIMES, LOCAL_TIMES).filter(lambda b: b[0] < b[1]),
)
def test_expected_minutes_are_the_real_length_of_the_working_day(day, zone, bounds) -> None:
    """Expected minutes of a working date = the real time from day_start to day_end in the
    calendar's zone, as the split of that span by local day counts it (DST included)."""
    start, end = bounds
    calendar = WorkingCalendar(
        timezone=zone, working_days=frozenset(range(1, 8)), day_start=start, day_end=end
    )
    local = ZoneInfo(zone)
    span_start = datetime.combine(day, start, local)
    span_end = datetime.combine(day, end, local)
    parts = split_by_local_day(span_start, span_end, local)
    assert calendar.expected(day) == max(0, sum(parts.values()))


@settings(max_examples=200, deadline=None)
@given(monday=DAYS.map(week_start), zone=st.sampled_from(ZONES))
def test_the_week_expects_the_sum_of_its_days_and_holidays_none(monday, zone) -> None:
    days = [monday + timedelta(days=offset) for offset in range(7)]
    holiday = days[2]
    calendar = WorkingCalendar(
        timezone=zone,
        working_days=frozenset({1, 2, 3, 4}),
        day_start=datetime.min.time().replace(hour=8),
        day_end=datetime.min.time().replace(hour=18),
        holidays=frozenset({holiday}),
    )
    balance = week_balance(days, {}, calendar)
    assert balance.expected_minutes == sum(calendar.expected(day) for day in days)
    assert calendar.expected(holiday) == 0
    assert [calendar.expected(day) for day in days[4:]] == [0, 0, 0]


def test_a_dst_change_inside_the_working_day_changes_its_length() -> None:
    """Paris springs forward at 02:00 on 2026-03-29 and falls back at 03:00 on 2026-10-25: a
    00:00-12:00 working day lasts 11 and 13 hours; one from 09:00 is never touched."""
    early = WorkingCalendar(
        timezone="Europe/Paris",
        working_days=frozenset(range(1, 8)),
        day_start=datetime.min.time(),
        day_end=datetime.min.time().replace(hour=12),
    )
    assert early.expected(date(2026, 3, 28)) == 720
    assert early.expected(date(2026, 3, 29)) == 660
    assert early.expected(date(2026, 10, 25)) == 780
    office = WorkingCalendar(timezone="Europe/Paris", working_days=frozenset(range(1, 8)))
    assert {office.expected(date(2026, 3, 29)), office.expected(date(2026, 10, 25))} == {480}
    assert WorkingCalendar().expected(date(2026, 12, 7)) == 480
    assert WorkingCalendar().expected(date(2026, 12, 6)) == 0


def test_an_unknown_zone_counts_in_utc() -> None:
    assert WorkingCalendar(timezone="Mars/Olympus").expected(date(2026, 12, 7)) == 480
