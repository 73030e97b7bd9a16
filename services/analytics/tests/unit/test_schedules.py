"""When a schedule's week is due: the slot in its time zone (DST included), never before the
schedule was made, never more than a day late."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from analytics_service.domain.schedules import Person, ReportSchedule

MADE = datetime(2026, 3, 1, tzinfo=UTC)


def schedule(**fields: object) -> ReportSchedule:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "team_id": uuid.uuid4(),
        "created_by": uuid.uuid4(),
        "kind": "team_performance",
        "format": "csv",
        "weekday": 1,
        "hour": 8,
        "timezone": "Europe/Paris",
        "recipient_ids": None,
        "created_at": MADE,
        "updated_at": MADE,
    } | fields
    return ReportSchedule(**values)  # type: ignore[arg-type]


def test_the_slot_follows_the_zone_across_daylight_saving_time() -> None:
    weekly = schedule()
    # Monday 2026-03-23 08:00 CET is 07:00 UTC; a week later (CEST) it is 06:00 UTC.
    assert weekly.due_period(datetime(2026, 3, 23, 6, 59, tzinfo=UTC)) is None
    assert weekly.due_period(datetime(2026, 3, 23, 7, 0, tzinfo=UTC)) == date(2026, 3, 23)
    assert weekly.due_period(datetime(2026, 3, 30, 6, 5, tzinfo=UTC)) == date(2026, 3, 30)
    assert weekly.next_run_at(datetime(2026, 3, 23, 7, 0, tzinfo=UTC)) == datetime(
        2026, 3, 30, 6, 0, tzinfo=UTC
    )


def test_no_report_for_a_slot_before_the_schedule_or_missed_by_more_than_a_day() -> None:
    late = schedule(updated_at=datetime(2026, 3, 23, 9, 0, tzinfo=UTC))
    assert late.due_period(datetime(2026, 3, 23, 10, 0, tzinfo=UTC)) is None
    weekly = schedule()
    slot = datetime(2026, 3, 23, 7, 0, tzinfo=UTC)
    assert weekly.due_period(slot + timedelta(hours=23)) == date(2026, 3, 23)
    assert weekly.due_period(slot + timedelta(hours=25)) is None


def test_a_team_report_covers_the_seven_days_before_the_slot() -> None:
    weekly = schedule(timezone="America/New_York")
    params = weekly.report_params(date(2026, 3, 23))
    assert params["from"] == "2026-03-16"
    assert params["to"] == "2026-03-22"
    assert params["tz"] == "America/New_York"
    assert "from" not in schedule(kind="tasks").report_params(date(2026, 3, 23))


def test_who_may_receive_a_team_s_report() -> None:
    team = uuid.uuid4()

    def person(role: str, teams: frozenset[uuid.UUID], active: bool = True) -> Person:
        return Person(uuid.uuid4(), role, active, "x@example.org", teams)

    assert person("member", frozenset({team})).may_receive(team)
    assert person("manager", frozenset()).may_receive(team)
    assert not person("member", frozenset()).may_receive(team)
    assert not person("admin", frozenset(), active=False).may_receive(team)
