"""Recurring tasks: the next date across DST and month ends; the next occurrence made once
(done twice, the job run twice), as a copy with reset subtasks; a stopped series."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tasks_unit_fakes import Harness, create_task, patch

from tasks_service.application.ports import TaskFilter
from tasks_service.application.queries import ListTasks
from tasks_service.application.recurrence import SpawnDueOccurrences, next_after
from tasks_service.domain.errors import ValidationFailed

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_weekly_rule_keeps_its_local_time_across_dst() -> None:
    monday = datetime(2026, 3, 23, 9, 0, tzinfo=BERLIN)  # CET, UTC+1
    following = next_after("FREQ=WEEKLY;BYDAY=MO", monday.astimezone(UTC), "Europe/Berlin")
    assert following == datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)  # CEST, UTC+2
    assert following is not None
    assert following.astimezone(UTC).hour == 7


@pytest.mark.parametrize(
    ("rule", "after", "expected"),
    [
        ("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2026, 3, 31, 9), datetime(2026, 5, 31, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2026, 1, 31, 9), datetime(2026, 2, 28, 9)),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", datetime(2028, 1, 31, 9), datetime(2028, 2, 29, 9)),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", datetime(2024, 2, 29, 9), datetime(2028, 2, 29, 9)),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", datetime(2026, 12, 4, 9), datetime(2026, 12, 7, 9)),
    ],
)
def test_month_ends_and_leap_days_follow_rfc_5545(
    rule: str, after: datetime, expected: datetime
) -> None:
    found = next_after(rule, after.replace(tzinfo=UTC), "UTC")
    assert found == expected.replace(tzinfo=UTC)


def test_an_ended_rule_has_no_next_date() -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    assert next_after("FREQ=DAILY;UNTIL=20260105T235959", start, "UTC") is None


def _recurring(harness: Harness, user, mode: str = "from_completion", **values):
    recurrence = {"rule": "FREQ=WEEKLY;BYDAY=MO", "mode": mode}
    return create_task(harness, user, recurrence=recurrence, **values)


def _series(harness: Harness, series_id) -> list:
    return sorted(
        (t for t in harness.store.state.tasks.values() if t.series_id == series_id),
        key=lambda t: t.created_at,
    )


def test_done_makes_the_next_occurrence_once_as_a_reset_copy(harness: Harness) -> None:
    ann = harness.store.add_user()
    harness.clock.at = datetime(2026, 12, 2, 10, tzinfo=UTC)  # a Wednesday
    first = _recurring(
        harness, ann, title="Weekly report", tags=["ops"], estimated_hours="2", assignees=[ann]
    )
    sub = create_task(harness, ann, title="Collect numbers", parent_task_id=first)
    patch(harness, ann, sub, status="done")
    patch(harness, ann, first, status="done")
    [origin, following] = _series(harness, first)
    assert origin.id == first
    assert origin.next_occurrence_id == following.id
    assert (following.title, following.tags, following.estimated_hours) == (
        "Weekly report",
        ["ops"],
        origin.estimated_hours,
    )
    assert following.status == "todo"
    assert following.assignee_ids == [ann]
    assert following.recurrence == origin.recurrence
    # from_completion: the Monday after the day it was done, at the time it was done.
    assert following.due_date is not None
    assert following.due_date.replace(second=0) == datetime(2026, 12, 7, 10, tzinfo=UTC)
    [copied] = [t for t in harness.store.state.tasks.values() if t.parent_task_id == following.id]
    assert (copied.title, copied.status) == ("Collect numbers", "todo")
    # Reopened and done again: the series already moved on.
    patch(harness, ann, first, status="in_progress")
    patch(harness, ann, first, status="done")
    assert len(_series(harness, first)) == 2
    assert [e.action for e in harness.store.history_of(first)].count("recurred") == 1


def test_a_stopped_series_makes_nothing_more(harness: Harness) -> None:
    ann = harness.store.add_user()
    first = _recurring(harness, ann)
    patch(harness, ann, first, recurrence=None)
    patch(harness, ann, first, status="done")
    assert [t.id for t in harness.store.state.tasks.values()] == [first]


def test_the_due_date_job_makes_the_next_occurrence_once(harness: Harness) -> None:
    ann = harness.store.add_user()
    due = datetime(2026, 12, 7, 9, tzinfo=UTC)
    first = _recurring(harness, ann, mode="from_due_date", due_date=due)
    spawn = SpawnDueOccurrences(harness.uow, harness.clock)
    assert spawn(due + timedelta(days=6)) == {"created": 0}  # next Monday not yet
    assert spawn(due + timedelta(days=7)) == {"created": 1}
    assert spawn(due + timedelta(days=7, minutes=5)) == {"created": 0}
    [_, following] = _series(harness, first)
    assert following.due_date == due + timedelta(days=7)
    listed = harness.queries.list(
        ListTasks(actor_id=ann, filter=TaskFilter(series=first), limit=10)
    )
    assert {item.id for item in listed.items} >= {first}


def test_a_rule_that_is_no_rrule_is_refused(harness: Harness) -> None:
    ann = harness.store.add_user()
    for rule in (
        "FREQ=FORTNIGHTLY",
        "FREQ=MINUTELY",
        "DTSTART:20260101T000000\nRRULE:FREQ=DAILY",
        "FREQ=DAILY;COUNT=3",
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # no such day: refused, not searched to 9999
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;BYSETPOS=1",
    ):
        with pytest.raises(ValidationFailed) as refused:
            create_task(harness, ann, recurrence={"rule": rule, "mode": "from_due_date"})
        assert set(refused.value.errors) == {"recurrence"}
    assert harness.store.state.tasks == {}
