"""Reports over HTTP: totals per task, user and team with the billable split, the visibility
of the entry list, CSV (format=csv or Accept: text/csv), hostile queries."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import pytest

from services.timetracking.tests.world import World

REPORTS = "/api/v1/time/reports/"
ENTRIES = "/api/v1/time/entries/"
PERIOD = "from=2026-11-30&to=2026-12-06"


def log(client: Any, headers: dict[str, str], task: Any, minutes: int, **body: Any) -> None:
    payload = {"task_id": str(task.task_id), "duration_minutes": minutes} | body
    answer = client.post(ENTRIES, json={"work_date": "2026-12-01"} | payload, headers=headers)
    assert answer.status_code == 201, answer.get_json()


def test_totals_per_task_user_and_team_with_the_billable_split(
    client, world: World, auth_for
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    ann, bob = world.user(team_ids=(team,)), world.user(team_ids=(team,))
    build, review = world.task(manager, team_id=team), world.task(manager, team_id=team)
    loner = world.task(ann)
    log(client, auth_for(ann), build, 120)
    log(client, auth_for(ann), build, 30, billable=False)
    log(client, auth_for(bob), review, 45)
    log(client, auth_for(ann), loner, 15)
    log(client, auth_for(ann), build, 600, work_date="2026-12-07")  # after the period
    boss = auth_for(manager, "manager")

    by_task = client.get(f"{REPORTS}?group_by=task&{PERIOD}&team={team}", headers=boss)
    assert by_task.status_code == 200, by_task.get_json()
    body = by_task.get_json()
    assert [(i["key"], i["label"], i["entries"]) for i in body["items"]] == [
        (str(build.task_id), build.title, 2),
        (str(review.task_id), review.title, 1),
    ]
    assert body["items"][0] | {"key": None, "label": None} == {
        "key": None,
        "label": None,
        "entries": 2,
        "total_minutes": 150,
        "billable_minutes": 120,
        "non_billable_minutes": 30,
    }
    assert body["totals"] == {
        "entries": 3,
        "total_minutes": 195,
        "billable_minutes": 165,
        "non_billable_minutes": 30,
    }
    assert (body["group_by"], body["from"], body["to"]) == ("task", "2026-11-30", "2026-12-06")

    # Other tests' entries share the database: each query is narrowed to this test's.
    by_user = client.get(f"{REPORTS}?group_by=user&{PERIOD}&team={team}", headers=boss)
    totals = {item["key"]: item["total_minutes"] for item in by_user.get_json()["items"]}
    assert totals == {str(ann): 150, str(bob): 45}
    by_team = client.get(f"{REPORTS}?group_by=team&{PERIOD}&user={ann}", headers=boss)
    assert {item["key"]: item["total_minutes"] for item in by_team.get_json()["items"]} == {
        str(team): 150,
        None: 15,
    }
    one_user = client.get(f"{REPORTS}?group_by=task&{PERIOD}&user={bob}", headers=boss)
    assert [i["key"] for i in one_user.get_json()["items"]] == [str(review.task_id)]


def test_members_see_what_the_entry_list_shows_them(client, world: World, auth_for) -> None:
    team, other_team = uuid.uuid4(), uuid.uuid4()
    ann = world.user(team_ids=(team,))
    mate = world.user(team_ids=(team,))
    stranger = world.user(team_ids=(other_team,))
    shared = world.task(mate, team_id=team)
    hidden = world.task(stranger, team_id=other_team)
    log(client, auth_for(mate), shared, 60)
    log(client, auth_for(stranger), hidden, 90)
    seen = client.get(f"{REPORTS}?group_by=user&{PERIOD}", headers=auth_for(ann)).get_json()
    assert [(i["key"], i["total_minutes"]) for i in seen["items"]] == [(str(mate), 60)]


def test_csv_with_format_or_accept_streamed_and_safe_for_spreadsheets(
    client, world: World, auth_for
) -> None:
    me = world.user()
    task = world.task(me)
    formula = world.task(me)
    formula.title = "=HYPERLINK(1)"
    formula.version += 1
    world.deliver(
        world.task_event(
            formula, "tasks.task.updated.v1", changes={"title": {"old": "x", "new": formula.title}}
        )
    )
    log(client, auth_for(me), task, 90)
    log(client, auth_for(me), formula, 30, billable=False)
    texts = []
    for query, extra in (("&format=csv", {}), ("", {"Accept": "text/csv"})):
        answer = client.get(
            f"{REPORTS}?group_by=task&{PERIOD}{query}", headers=auth_for(me) | extra
        )
        assert answer.status_code == 200
        assert answer.mimetype == "text/csv"
        assert answer.is_streamed
        assert "attachment" in answer.headers["Content-Disposition"]
        texts.append(answer.get_data(as_text=True))  # read before the next request
    by_format, by_accept = texts
    rows = list(csv.reader(io.StringIO(by_format)))
    assert rows[0] == [
        "key",
        "label",
        "entries",
        "total_minutes",
        "billable_minutes",
        "non_billable_minutes",
        "total_hours",
    ]
    assert rows[1] == [str(task.task_id), task.title, "1", "90", "90", "0", "1.50"]
    assert rows[2] == [str(formula.task_id), "'=HYPERLINK(1)", "1", "30", "0", "30", "0.50"]
    assert by_accept == by_format
    as_json = client.get(
        f"{REPORTS}?group_by=task&{PERIOD}&format=json",
        headers=auth_for(me) | {"Accept": "text/csv"},
    )
    assert as_json.mimetype == "application/json"


@pytest.mark.parametrize(
    "query",
    [
        PERIOD,
        f"group_by=project&{PERIOD}",
        "group_by=task&from=2026-11-30",
        "group_by=task&from=2026-12-06&to=2026-11-30",
        "group_by=task&from=2025-01-01&to=2026-12-31",
        f"group_by=task&{PERIOD}&format=xml",
        f"group_by=task&{PERIOD}&user=nobody",
        f"group_by=task&{PERIOD}&bogus=1",
        "group_by=task&from=0000-01-01&to=2026-01-01",
    ],
)
def test_bad_report_queries_are_422_naming_the_field(
    client, world: World, auth_for, query: str
) -> None:
    answer = client.get(f"{REPORTS}?{query}", headers=auth_for(world.user()))
    assert answer.status_code == 422, answer.get_json()
    assert answer.get_json()["errors"]
