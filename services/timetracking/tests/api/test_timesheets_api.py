"""Timesheets over HTTP: the week in a time zone, overtime, submit/approve/reject, the lock."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.timetracking.tests.world import World

SHEETS = "/api/v1/time/timesheets/"
ENTRIES = "/api/v1/time/entries/"


def log(client: Any, headers: dict[str, str], task: Any, **body: Any) -> Any:
    answer = client.post(ENTRIES, json={"task_id": str(task.task_id), **body}, headers=headers)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_the_week_in_the_callers_time_zone_with_expected_hours_and_overtime(
    client, world: World, auth_for
) -> None:
    me = world.user(timezone="Europe/Paris")
    design, review = world.task(me), world.task(me)
    headers = auth_for(me)
    # Monday 30 Nov 2026: 10 h of design; Tuesday 22:00-02:00 Paris time crosses midnight.
    log(client, headers, design, duration_minutes=600, work_date="2026-11-30")
    log(client, headers, review, started_at="2026-12-01T21:00:00Z", ended_at="2026-12-02T01:00:00Z")
    # Sunday before the week, late in UTC but Monday in Paris: counts on Monday.
    log(client, headers, review, started_at="2026-11-29T23:30:00Z", ended_at="2026-11-30T00:30:00Z")
    sheet = client.get(f"{SHEETS}?week=2026-W49", headers=headers)
    assert sheet.status_code == 200, sheet.get_json()
    body = sheet.get_json()
    assert body["timezone"] == "Europe/Paris"
    assert body["status"] == "open"
    days = {d["date"]: d for d in body["days"]}
    assert days["2026-11-30"]["worked_minutes"] == 660
    assert days["2026-11-30"]["overtime_minutes"] == 180
    assert days["2026-12-01"]["worked_minutes"] == 120
    assert days["2026-12-02"]["worked_minutes"] == 120
    assert days["2026-12-05"]["expected_minutes"] == 0
    assert body["totals"] == {
        "expected_minutes": 2400,
        "worked_minutes": 900,
        "overtime_minutes": 0,
    }
    rows = {row["task_id"]: row for row in body["tasks"]}
    assert rows[str(review.task_id)]["minutes_by_day"] == {
        "2026-11-30": 60,
        "2026-12-01": 120,
        "2026-12-02": 120,
    }
    assert rows[str(design.task_id)]["total_minutes"] == 600
    # In UTC the same entries fall on other days.
    utc = client.get(f"{SHEETS}?week=2026-W49&tz=UTC", headers=headers).get_json()
    assert {d["date"]: d["worked_minutes"] for d in utc["days"]}["2026-11-30"] == 630


@pytest.mark.parametrize(
    "query",
    [
        "week=2026-W54",
        "week=2026-49",
        "",
        "week=2026-W49&tz=Mars/Olympus",
        "week=2026-W49&tz=../etc",
        "week=2026-W49&bogus=1",
        "week=2026-W49&tz=%00",
    ],
)
def test_bad_queries_are_422(client, world: World, auth_for, query: str) -> None:
    me = world.user()
    answer = client.get(f"{SHEETS}?{query}", headers=auth_for(me))
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["errors"]


def test_submit_approve_locks_the_week_and_reject_needs_a_reason(
    client, world: World, auth_for, outbox_of
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    member = world.user(team_ids=(team,))
    peer = world.user(team_ids=(team,))
    task = world.task(member, team_id=team)
    mine, boss = auth_for(member), auth_for(manager, "manager")
    entry = log(client, mine, task, duration_minutes=30, work_date="2026-12-03")
    week = {"user": str(member), "week": "2026-W49"}
    assert client.post(f"{SHEETS}approve", json=week, headers=boss).status_code == 409
    assert (
        client.post(f"{SHEETS}submit", json={"week": "2026-W49"}, headers=mine).status_code == 200
    )
    assert (
        client.post(f"{SHEETS}submit", json={"week": "2026-W49"}, headers=mine).status_code == 409
    )
    no_reason = client.post(f"{SHEETS}reject", json=week | {"reason": ""}, headers=boss)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.get_json()["errors"]
    rejected = client.post(f"{SHEETS}reject", json=week | {"reason": "Friday?"}, headers=boss)
    assert rejected.status_code == 200
    assert rejected.get_json()["status"] == "rejected"
    assert (
        client.post(f"{SHEETS}submit", json={"week": "2026-W49"}, headers=mine).status_code == 200
    )
    assert client.post(f"{SHEETS}approve", json=week, headers=auth_for(peer)).status_code == 403
    approved = client.post(f"{SHEETS}approve", json=week, headers=boss)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    # Locked: no change, no deletion, no new entry in that week; other weeks stay open.
    url = f"{ENTRIES}{entry['id']}"
    assert client.patch(url, json={"note": "late"}, headers=mine).status_code == 409
    assert client.delete(url, headers=mine).status_code == 409
    locked = client.post(
        ENTRIES,
        json={"task_id": str(task.task_id), "duration_minutes": 5, "work_date": "2026-12-06"},
        headers=mine,
    )
    assert locked.status_code == 409
    moved_in = log(client, mine, task, duration_minutes=5, work_date="2026-12-07")
    moving = client.patch(
        f"{ENTRIES}{moved_in['id']}", json={"work_date": "2026-12-01"}, headers=mine
    )
    assert moving.status_code == 409
    statuses = [row.data["status"] for row in outbox_of(f"{member}:2026-W49")]
    assert statuses == ["submitted", "rejected", "submitted", "approved"]


def test_managers_do_not_approve_their_own_week_nor_other_teams(
    client, world: World, auth_for
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    stranger = world.user()
    boss = auth_for(manager, "manager")
    assert (
        client.post(f"{SHEETS}submit", json={"week": "2026-W48"}, headers=boss).status_code == 200
    )
    own = {"user": str(manager), "week": "2026-W48"}
    assert client.post(f"{SHEETS}approve", json=own, headers=boss).status_code == 403
    other = {"user": str(stranger), "week": "2026-W48"}
    assert client.post(f"{SHEETS}approve", json=other, headers=boss).status_code == 403
    # Members see only their own week.
    peek = client.get(f"{SHEETS}?week=2026-W48&user={manager}", headers=auth_for(stranger))
    assert peek.status_code == 404


def test_a_manager_sees_the_teams_week(client, world: World, auth_for) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    members = [world.user(team_ids=(team,)) for _ in range(3)]
    task = world.task(manager, team_id=team)
    for index, member in enumerate(members):
        log(
            client,
            auth_for(member),
            task,
            duration_minutes=60 * (index + 1),
            work_date="2026-12-04",
        )
    answer = client.get(
        f"{SHEETS}team?team={team}&week=2026-W49&tz=UTC", headers=auth_for(manager, "manager")
    )
    assert answer.status_code == 200, answer.get_json()
    worked = {
        item["user_id"]: item["totals"]["worked_minutes"] for item in answer.get_json()["items"]
    }
    assert worked == {str(m): 60 * (i + 1) for i, m in enumerate(members)} | {str(manager): 0}
    refused = client.get(f"{SHEETS}team?team={team}&week=2026-W49", headers=auth_for(members[0]))
    assert refused.status_code == 403
