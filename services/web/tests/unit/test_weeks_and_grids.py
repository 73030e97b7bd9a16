"""Pure logic of the time pages: ISO weeks, h:mm, typed durations, a week's grid and entry
rows from the time API's bodies, the entry form's checks, the running timer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from web_service.application.timesheets import (
    TaskTitles,
    entry_form,
    entry_from_post,
    entry_rows,
    running_timer,
    week_grid,
)
from web_service.domain.weeks import IsoWeek, clock, parse_duration

TASK_A = "0194aaaa-0000-7000-8000-00000000000a"
TASK_B = "0194aaaa-0000-7000-8000-00000000000b"


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("2026-W49", IsoWeek(2026, 49)),
        (" 2026-W01 ", IsoWeek(2026, 1)),
        ("2020-W53", IsoWeek(2020, 53)),
        ("2026-W53", IsoWeek(2026, 53)),
        ("2027-W53", None),
        ("2026-W00", None),
        ("2026-49", None),
        ("1969-W10", None),
        ("9999-W01", None),
        ("\N{FULLWIDTH DIGIT TWO}026-W49", None),
        ("", None),
    ],
)
def test_weeks_parse_only_real_iso_weeks(text: str, wanted: IsoWeek | None) -> None:
    assert IsoWeek.parse(text) == wanted


def test_a_week_knows_its_days_neighbours_and_label() -> None:
    week = IsoWeek(2026, 49)
    assert week.monday == date(2026, 11, 30)
    assert week.sunday == date(2026, 12, 6)
    assert len(week.days) == 7
    assert str(week) == "2026-W49"
    assert week.label() == "30 Nov \N{EN DASH} 6 Dec 2026"
    assert week.previous() == IsoWeek(2026, 48)
    assert week.next() == IsoWeek(2026, 50)
    assert IsoWeek(2026, 53).next() == IsoWeek(2027, 1)
    assert IsoWeek(2027, 52).next() == IsoWeek(2028, 1)
    assert IsoWeek(2021, 1).previous() == IsoWeek(2020, 53)
    assert IsoWeek(2025, 1).label() == "30 Dec 2024 \N{EN DASH} 5 Jan 2025"
    assert IsoWeek.of(date(1970, 1, 5)).previous() == IsoWeek(1970, 1)
    assert IsoWeek(1970, 1).previous() is None
    assert IsoWeek(9998, 53).next() is None
    assert week.contains(date(2026, 12, 6))
    assert not week.contains(date(2026, 12, 7))


@given(st.dates(min_value=date(1970, 1, 12), max_value=date(9998, 12, 1)))
def test_every_day_lies_in_its_week_and_steps_are_seven_days(day: date) -> None:
    week = IsoWeek.of(day)
    assert week.contains(day)
    assert IsoWeek.parse(str(week)) == week
    before, after = week.previous(), week.next()
    assert before is not None
    assert after is not None
    assert before.monday == week.monday - timedelta(days=7)
    assert after.monday == week.monday + timedelta(days=7)


@pytest.mark.parametrize(
    ("minutes", "text"), [(0, "0:00"), (5, "0:05"), (90, "1:30"), (600, "10:00"), (-75, "-1:15")]
)
def test_minutes_read_as_hours_and_minutes(minutes: int, text: str) -> None:
    assert clock(minutes) == text
    assert clock(None) == ""


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("1:30", 90),
        ("0:05", 5),
        ("1.5", 90),
        ("1,25", 75),
        ("2", 120),
        ("90m", 90),
        ("90 min", 90),
        ("1h 30m", 90),
        ("2h", 120),
        ("24:00", 1440),
        ("24:01", None),
        ("0", None),
        ("0:00", None),
        ("1:75", None),
        ("-1", None),
        ("abc", None),
        ("", None),
        ("h", None),
        ("1" * 30, None),
        ("\N{FULLWIDTH DIGIT ONE}:30", None),
    ],
)
def test_typed_durations_become_whole_minutes(typed: str, minutes: int | None) -> None:
    assert parse_duration(typed) == minutes


def sheet(**overrides: object) -> dict[str, object]:
    return {
        "user_id": "0193aaaa-0000-7000-8000-000000000001",
        "week": "2026-W49",
        "status": "open",
        "reason": None,
        "decided_by": None,
        "decided_at": None,
        "submitted_at": None,
        "version": 0,
        "timezone": "Europe/Paris",
        "days": [
            {
                "date": (date(2026, 11, 30) + timedelta(days=i)).isoformat(),
                "expected_minutes": 480 if i < 5 else 0,
                "worked_minutes": [540, 0, 0, 0, 0, 30, 0][i],
                "overtime_minutes": [60, 0, 0, 0, 0, 30, 0][i],
            }
            for i in range(7)
        ],
        "tasks": [
            {
                "task_id": TASK_A,
                "title": "Alpha",
                "minutes_by_day": {"2026-11-30": 480},
                "total_minutes": 480,
            },
            {
                "task_id": TASK_B,
                "title": "",
                "minutes_by_day": {"2026-11-30": 60, "2026-12-05": 30},
                "total_minutes": 90,
            },
        ],
        "totals": {"expected_minutes": 2400, "worked_minutes": 570, "overtime_minutes": 0},
    } | overrides


def test_the_grid_has_seven_columns_a_row_per_task_and_the_totals() -> None:
    grid = week_grid(sheet(), IsoWeek(2026, 49))
    assert [c.day for c in grid.columns] == IsoWeek(2026, 49).days
    assert grid.columns[0].heading == "Mon 30 Nov"
    assert [(c.expected, c.worked, c.overtime) for c in grid.columns][:1] == [(480, 540, 60)]
    assert [(r.title, r.cells, r.total) for r in grid.rows] == [
        ("Alpha", (480, 0, 0, 0, 0, 0, 0), 480),
        ("Untitled task", (60, 0, 0, 0, 0, 30, 0), 90),
    ]
    assert sum(r.total for r in grid.rows) == grid.worked == 570
    assert (grid.expected, grid.overtime) == (2400, 0)
    assert grid.may_submit
    assert not grid.locked
    assert not grid.awaiting_decision
    assert grid.timezone == "Europe/Paris"


def test_a_grid_tolerates_missing_days_and_odd_values() -> None:
    body = sheet(days=[{"date": "2026-12-02", "worked_minutes": 30}], totals=None)
    body["tasks"] = [{"task_id": TASK_A, "minutes_by_day": {"2026-12-02": "x", "1999-01-01": 5}}]
    grid = week_grid(body, IsoWeek(2026, 49))
    assert [c.worked for c in grid.columns] == [0, 0, 30, 0, 0, 0, 0]
    assert grid.rows[0].cells == (0,) * 7
    assert (grid.expected, grid.worked, grid.overtime) == (0, 0, 0)


@pytest.mark.parametrize(
    ("status", "submit", "locked", "waiting"),
    [
        ("open", True, False, False),
        ("submitted", False, False, True),
        ("approved", False, True, False),
        ("rejected", True, False, False),
    ],
)
def test_what_each_status_allows(status: str, submit: bool, locked: bool, waiting: bool) -> None:
    grid = week_grid(sheet(status=status), IsoWeek(2026, 49))
    assert (grid.may_submit, grid.locked, grid.awaiting_decision) == (submit, locked, waiting)


def test_entry_rows_show_local_spans_oldest_day_first() -> None:
    items = [
        {
            "id": "e2",
            "task_id": TASK_A,
            "work_date": "2026-12-02",
            "started_at": "2026-12-02T08:00:00+00:00",
            "ended_at": "2026-12-02T09:30:00+00:00",
            "duration_minutes": 90,
            "running": False,
            "note": "review",
            "billable": False,
            "source": "timer",
            "version": 2,
        },
        {
            "id": "e1",
            "task_id": TASK_B,
            "work_date": "2026-11-30",
            "started_at": None,
            "ended_at": None,
            "duration_minutes": 45,
            "running": False,
            "source": "manual",
            "version": 1,
        },
        {
            "id": "e3",
            "task_id": TASK_A,
            "work_date": "2026-12-03",
            "started_at": "2026-12-03T07:00:00+00:00",
            "ended_at": None,
            "duration_minutes": None,
            "running": True,
            "source": "automatic",
            "version": 1,
        },
    ]
    rows = entry_rows(items, {TASK_A: "Alpha"}, ZoneInfo("Europe/Paris"))
    assert [r.id for r in rows] == ["e1", "e2", "e3"]
    assert rows[0].title == "A task"
    assert rows[0].span == ""
    assert rows[0].minutes == 45
    assert rows[1].span == "09:00\N{EN DASH}10:30"
    assert rows[1].title == "Alpha"
    assert rows[1].source_label == "timer"
    assert not rows[1].billable
    assert rows[2].running
    assert rows[2].span == "since 08:00"
    assert rows[2].minutes is None
    assert rows[2].source_label == "workflow"


def test_the_entry_form_checks_what_it_can_and_builds_the_body() -> None:
    fields = {
        "task_id": TASK_A.upper(),
        "work_date": "2026-12-02",
        "duration": "1:15",
        "note": " fixed it ",
        "billable": "on",
    }
    form, body = entry_from_post(lambda name: fields.get(name, ""), with_task=True)
    assert not form.errors
    assert body == {
        "task_id": TASK_A,
        "work_date": "2026-12-02",
        "duration_minutes": 75,
        "note": "fixed it",
        "billable": True,
    }
    bad = {"task_id": "nope", "work_date": "2026-02-30", "duration": "forever", "note": "x" * 2001}
    form, body = entry_from_post(lambda name: bad.get(name, ""), with_task=True)
    assert set(form.errors) == {"task_id", "work_date", "duration", "note"}
    assert body["billable"] is False
    form, body = entry_from_post(lambda name: fields.get(name, ""), with_task=False)
    assert "task_id" not in body
    assert not form.errors
    assert form.adopt_api_errors({"duration_minutes": ["too long"], "user_id": ["no"]}) == [
        "user_id: no"
    ]
    assert form.errors == {"duration": ["too long"]}


def test_an_entry_fills_the_edit_form() -> None:
    form = entry_form({"task_id": TASK_A, "work_date": "2026-12-02", "duration_minutes": 75})
    assert form.values["duration"] == "1:15"
    assert form.values["billable"] == "on"
    assert entry_form({"billable": False}).values["billable"] == ""
    assert entry_form().values["duration"] == ""


def test_the_running_timer_from_the_api() -> None:
    assert running_timer({"running": None}, lambda _t: "x") is None
    assert running_timer("garbage", lambda _t: "x") is None
    assert running_timer({"running": {"task_id": "nope", "started_at": "x"}}, str) is None
    timer = running_timer(
        {"running": {"id": "e", "task_id": TASK_A, "started_at": "2026-12-07T09:00:00+00:00"}},
        lambda task_id: f"title of {task_id}",
    )
    assert timer is not None
    assert timer.title == f"title of {TASK_A}"
    assert timer.elapsed_minutes(datetime(2026, 12, 7, 10, 5, 59, tzinfo=UTC)) == 65
    assert timer.elapsed_minutes(datetime(2026, 12, 7, 8, 0, tzinfo=UTC)) == 0


def test_task_titles_are_kept_per_user_for_a_while() -> None:
    now = [0.0]
    titles = TaskTitles(ttl_seconds=60, clock=lambda: now[0])
    loads: list[str] = []

    def load(title: str):  # type: ignore[no-untyped-def]
        return lambda: loads.append(title) or title

    assert titles.get("u1", TASK_A, load("Alpha")) == "Alpha"
    assert titles.get("u1", TASK_A, load("Renamed")) == "Alpha"
    assert titles.get("u2", TASK_A, load("Alpha for u2")) == "Alpha for u2"
    now[0] = 61
    assert titles.get("u1", TASK_A, load("Renamed")) == "Renamed"
    assert loads == ["Alpha", "Alpha for u2", "Renamed"]
