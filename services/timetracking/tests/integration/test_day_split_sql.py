"""The database's split of entries at local midnights (the timesheet query) agrees with the
domain's `split_by_local_day`, DST nights included."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from taskhive_shared.ids import uuid7
from timetracking_service.domain.calendar import split_by_local_day
from timetracking_service.domain.model import EntrySource, TimeEntry

ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"]


def entry(user: uuid.UUID, start: datetime | None, minutes: int, day: date) -> TimeEntry:
    now = datetime.now(UTC)
    return TimeEntry(
        id=uuid7(),
        user_id=user,
        task_id=uuid.uuid4(),
        team_id=None,
        work_date=day,
        started_at=start,
        ended_at=start + timedelta(minutes=minutes) if start else None,
        duration_minutes=minutes,
        note="",
        billable=True,
        source=EntrySource.MANUAL,
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize("zone", ZONES)
def test_sql_and_domain_split_agree(time_runtime, zone: str) -> None:
    rng = random.Random(zone)
    user = uuid.uuid4()
    tz = ZoneInfo(zone)
    # Around both 2026 DST changes of the northern and southern zones.
    bases = [
        datetime(2026, 3, 27, tzinfo=UTC),
        datetime(2026, 10, 23, tzinfo=UTC),
        datetime(2026, 4, 3, tzinfo=UTC),
    ]
    made = []
    for _ in range(120):
        start = rng.choice(bases) + timedelta(minutes=rng.randint(0, 5 * 24 * 60))
        minutes = rng.randint(1, 24 * 60)
        timed = rng.random() < 0.8
        day = start.astimezone(tz).date()
        made.append(entry(user, start if timed else None, minutes, day))
    expected: dict[tuple[uuid.UUID, date], int] = {}
    for item in made:
        if item.started_at is not None and item.ended_at is not None:
            parts = split_by_local_day(item.started_at, item.ended_at, tz)
        else:
            parts = {item.work_date: item.duration_minutes or 0}
        for day, value in parts.items():
            expected[(item.task_id, day)] = expected.get((item.task_id, day), 0) + value
    with time_runtime.unit_of_work() as uow:
        for item in made:
            uow.entries.add(item)
        cells = uow.entries.minutes_by_day([user], date(2026, 1, 1), date(2026, 12, 31), zone)
        # Not committed: the rows vanish with the transaction.
    found = {(task, day): minutes for _, task, day, minutes in cells if minutes}
    assert found == {key: value for key, value in expected.items() if value}


@pytest.mark.parametrize("zone", ZONES)
def test_the_week_grids_agree_with_the_domain_split(time_runtime, zone: str) -> None:
    """The timesheet's one-statement week (days placed once, pieces by overlap) gives the
    same cells as `split_by_local_day`, over the weeks of both 2026 DST changes."""
    rng = random.Random(f"week {zone}")
    user = uuid.uuid4()
    tz = ZoneInfo(zone)
    mondays = [date(2026, 3, 23), date(2026, 3, 30), date(2026, 10, 19), date(2026, 10, 26)]
    made = []
    for _ in range(150):
        monday = rng.choice(mondays)
        start = datetime.combine(monday, datetime.min.time(), UTC) + timedelta(
            minutes=rng.randint(-24 * 60, 8 * 24 * 60)
        )
        timed = rng.random() < 0.8
        made.append(
            entry(
                user, start if timed else None, rng.randint(1, 24 * 60), start.astimezone(tz).date()
            )
        )
    with time_runtime.unit_of_work() as uow:
        for item in made:
            uow.entries.add(item)
        for monday in mondays:
            week = {monday + timedelta(days=n) for n in range(7)}
            expected: dict[tuple[str, str], int] = {}
            for item in made:
                if item.started_at is not None and item.ended_at is not None:
                    parts = split_by_local_day(item.started_at, item.ended_at, tz)
                else:
                    parts = {item.work_date: item.duration_minutes or 0}
                for day, value in parts.items():
                    if day in week and value:
                        key = (str(item.task_id), day.isoformat())
                        expected[key] = expected.get(key, 0) + value
            grid = uow.entries.week_grids([user], monday, zone).get(user)
            found = {
                (row["task_id"], day): minutes
                for row in (grid.tasks if grid else [])
                for day, minutes in row["minutes_by_day"].items()
            }
            assert found == expected, monday
            worked: dict[date, int] = {}
            for (_, day), minutes in expected.items():
                worked[date.fromisoformat(day)] = worked.get(date.fromisoformat(day), 0) + minutes
            assert (grid.worked if grid else {}) == worked
        # Not committed: the rows vanish with the transaction.
