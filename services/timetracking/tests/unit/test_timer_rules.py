"""The rules of entries and timers: spans, durations, the stop of a timer, the lock states."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from timetracking_service.domain.errors import InvalidTransition, ValidationFailed
from timetracking_service.domain.model import (
    Actor,
    EntrySource,
    Member,
    Role,
    TaskRef,
    TimeEntry,
    Timesheet,
    TimesheetStatus,
    finished_span,
    may_act_for,
    may_decide_timesheet,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
TEAM = uuid.uuid4()


def task(**overrides: object) -> TaskRef:
    values: dict[str, object] = {
        "task_id": uuid.uuid4(),
        "title": "t",
        "team_id": TEAM,
        "created_by": uuid.uuid4(),
        "assignee_ids": frozenset(),
        "status": "todo",
    } | overrides
    return TaskRef(**values)  # type: ignore[arg-type]


def timer(at: datetime) -> TimeEntry:
    return TimeEntry.start_timer(
        entry_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        task=task(),
        work_date=at.date(),
        at=at,
        source=EntrySource.TIMER,
        now=at,
        actor_id=None,
    )


def test_a_timer_runs_until_stopped_then_has_its_minutes() -> None:
    entry = timer(NOW + timedelta(seconds=42))
    assert entry.running
    assert entry.duration_minutes is None
    assert entry.started_at == NOW
    entry.stop(NOW + timedelta(minutes=95, seconds=59), NOW, None)
    assert not entry.running
    assert entry.duration_minutes == 95
    assert [e.kind for e in entry.events] == ["created", "updated"]
    with pytest.raises(InvalidTransition):
        entry.stop(NOW + timedelta(hours=3), NOW, None)


def test_a_stop_before_the_start_is_a_zero_minute_entry_and_a_forgotten_timer_is_cut() -> None:
    early = timer(NOW)
    early.stop(NOW - timedelta(minutes=5), NOW, None)
    assert early.duration_minutes == 0
    forgotten = timer(NOW)
    forgotten.stop(NOW + timedelta(days=3), NOW, None)
    assert forgotten.duration_minutes == 24 * 60
    assert forgotten.ended_at == NOW + timedelta(days=1)


def test_a_running_timer_is_not_edited_as_a_finished_entry() -> None:
    with pytest.raises(InvalidTransition):
        timer(NOW).change(
            work_date=NOW.date(),
            started_at=None,
            ended_at=None,
            duration_minutes=5,
            note="",
            billable=True,
            now=NOW,
            actor_id=None,
        )


@pytest.mark.parametrize(
    ("start", "end", "minutes", "expected"),
    [
        (NOW, NOW + timedelta(minutes=30), None, (NOW, NOW + timedelta(minutes=30), 30)),
        (NOW, None, 45, (NOW, NOW + timedelta(minutes=45), 45)),
        (None, None, 45, (None, None, 45)),
        (NOW, NOW + timedelta(minutes=30), 30, (NOW, NOW + timedelta(minutes=30), 30)),
    ],
)
def test_the_three_ways_of_giving_a_span(start, end, minutes, expected) -> None:
    assert finished_span(start, end, minutes) == expected


@pytest.mark.parametrize(
    ("start", "end", "minutes", "field"),
    [
        (None, NOW, None, "started_at"),
        (NOW, NOW, None, "ended_at"),
        (NOW, NOW + timedelta(seconds=59), None, "ended_at"),
        (NOW, NOW + timedelta(days=1, minutes=1), None, "ended_at"),
        (NOW, NOW + timedelta(minutes=30), 31, "duration_minutes"),
        (None, None, None, "duration_minutes"),
    ],
)
def test_spans_that_cannot_be(start, end, minutes, field) -> None:
    with pytest.raises(ValidationFailed) as refused:
        finished_span(start, end, minutes)
    assert field in refused.value.errors


def test_who_may_log_for_whom_and_decide_timesheets() -> None:
    me = uuid.uuid4()
    member = Member(uuid.uuid4(), Role.MEMBER, "UTC", frozenset({TEAM}))
    manager = Actor(uuid.uuid4(), Role.MANAGER, frozenset({TEAM}))
    other_manager = Actor(uuid.uuid4(), Role.MANAGER, frozenset({uuid.uuid4()}))
    admin = Actor(uuid.uuid4(), Role.ADMIN)
    peer = Actor(uuid.uuid4(), Role.MEMBER, frozenset({TEAM}))
    assert may_act_for(Actor(me, Role.MEMBER), me, None)
    assert may_act_for(manager, member.user_id, member)
    assert may_act_for(admin, member.user_id, member)
    assert not may_act_for(other_manager, member.user_id, member)
    assert not may_act_for(peer, member.user_id, member)
    assert may_decide_timesheet(manager, member)
    assert not may_decide_timesheet(peer, member)
    own = Member(manager.user_id, Role.MANAGER, "UTC", frozenset({TEAM}))
    assert not may_decide_timesheet(manager, own)  # never one's own week
    assert may_decide_timesheet(admin, own)


def test_timesheet_states() -> None:
    user = uuid.uuid4()
    sheet = Timesheet(user, date(2026, 11, 30))
    with pytest.raises(InvalidTransition):
        sheet.approve(user, NOW)
    sheet.submit(user, NOW)
    with pytest.raises(InvalidTransition):
        sheet.submit(user, NOW)
    sheet.reject(uuid.uuid4(), NOW, "missing Friday")
    assert sheet.status is TimesheetStatus.REJECTED
    assert sheet.reason == "missing Friday"
    sheet.submit(user, NOW)
    assert sheet.reason is None
    sheet.approve(uuid.uuid4(), NOW)
    assert sheet.locked
    assert sheet.version == 4
    for step in (lambda: sheet.submit(user, NOW), lambda: sheet.reject(user, NOW, "x")):
        with pytest.raises(InvalidTransition):
            step()


def test_visibility_of_a_task() -> None:
    me = uuid.uuid4()
    assert task(created_by=me).visible_to(Actor(me, Role.MEMBER))
    assert task(assignee_ids=frozenset({me})).visible_to(Actor(me, Role.MEMBER))
    assert task().visible_to(Actor(me, Role.MEMBER, frozenset({TEAM})))
    assert task().visible_to(Actor(me, Role.MANAGER))
    assert not task().visible_to(Actor(me, Role.MEMBER))
    assert not task(team_id=None).visible_to(Actor(me, Role.MEMBER, frozenset({TEAM})))
