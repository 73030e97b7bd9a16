"""The analytics API over a read model fed through the consumer: figures, visibility as in
tasks (members: own and their teams'; managers and admins: all), local days, hostile input."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from services.analytics.tests.events import TaskScript, team_event, user_event
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.events.envelope import EventEnvelope
from taskhive_shared.ids import uuid7


@dataclass
class World:
    alice: uuid.UUID
    """A member of `team`, in Europe/Paris."""
    bob: uuid.UUID
    """A member of `team`."""
    carol: uuid.UUID
    """A member of no team."""
    boss: uuid.UUID
    """A manager."""
    team: uuid.UUID
    parent: uuid.UUID
    """A parent task of the team with two subtasks (3 and 5 points, the 3 done)."""
    today: datetime


@pytest.fixture(scope="module")
def world(processor: Any) -> World:
    import json

    def deliver(envelope: EventEnvelope) -> None:
        result = processor.process(json.dumps(envelope.to_dict()).encode())
        assert result.outcome is Outcome.APPLIED, result.reason

    alice, bob, carol, boss, team = uuid7(), uuid7(), uuid7(), uuid7(), uuid7()
    deliver(user_event(alice, timezone="Europe/Paris"))
    deliver(user_event(bob))
    deliver(user_event(carol))
    deliver(user_event(boss, role="manager"))
    deliver(team_event(team, [alice, bob]))
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=3)
    parent = TaskScript(created_by=alice, team_id=str(team), story_points=8)
    small = TaskScript(
        created_by=alice,
        team_id=str(team),
        story_points=3,
        parent_task_id=str(parent.task_id),
        due_date=(now + timedelta(days=1)).isoformat(),
        tags=["api"],
    )
    big = TaskScript(
        created_by=bob,
        team_id=str(team),
        story_points=5,
        parent_task_id=str(parent.task_id),
        due_date=(now - timedelta(days=1)).isoformat(),
        priority="high",
    )
    private = TaskScript(created_by=carol, story_points=1)
    for envelope in (
        parent.created(start),
        small.created(start + timedelta(hours=1)),
        big.created(start + timedelta(hours=2)),
        small.assigned(start + timedelta(hours=3), alice),
        big.assigned(start + timedelta(hours=3), alice),
        small.moved("in_progress", start + timedelta(hours=4)),
        small.moved("done", start + timedelta(hours=6)),
        private.created(start),
    ):
        deliver(envelope)
    return World(alice, bob, carol, boss, team, parent.task_id, now)


def get(client: FlaskClient, path: str, headers: dict[str, str]) -> Any:
    return client.get(f"/api/v1/analytics{path}", headers=headers)


def test_the_dashboard_shows_the_caller_s_own_figures(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    response = get(client, "/dashboard/", token_for(world.alice))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["timezone"] == "Europe/Paris"
    assert body["to"] == str(datetime.now(ZoneInfo("Europe/Paris")).date())
    assert body["from"] == str(date.fromisoformat(body["to"]) - timedelta(days=29))
    assert (body["open"], body["overdue"], body["done_last_7_days"]) == (2, 1, 1)
    assert len(body["per_day"]) == 30
    assert sum(day["created"] for day in body["per_day"]) == 3
    assert sum(day["completed"] for day in body["per_day"]) == 1
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_member_sees_their_team_but_not_another_user_or_team(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    bob = token_for(world.bob)
    team = get(client, f"/teams/{world.team}/", bob)
    assert team.status_code == 200
    assert team.get_json()["throughput"] == 1
    assert team.get_json()["story_points_completed"] == 3
    assert get(client, f"/users/{world.alice}/", bob).status_code == 404
    carol = token_for(world.carol)
    assert get(client, f"/teams/{world.team}/", carol).status_code == 404
    assert get(client, f"/teams/{uuid7()}/", carol).status_code == 404
    assert get(client, f"/users/{world.carol}/", carol).status_code == 200


def test_managers_see_everyone(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    boss = token_for(world.boss, "manager")
    alice = get(client, f"/users/{world.alice}/", boss).get_json()
    assert "from" in alice
    assert alice["throughput"] == 1
    assert alice["cycle_time_hours"]["samples"] == 1
    assert alice["cycle_time_hours"]["p50"] == 2.13  # 120 minutes fall in (64, 128]
    assert alice["on_time_rate"] == 1.0
    assert alice["open_load"] == 2
    everything = get(client, "/distribution/?by=status", boss).get_json()
    assert everything["scope"] == "all"


def test_team_velocity_and_the_burndown_of_a_parent(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    body = get(client, f"/teams/{world.team}/?parent={world.parent}", token_for(world.bob))
    assert body.status_code == 200, body.get_json()
    team = body.get_json()
    assert sum(week["story_points"] for week in team["velocity"]["weeks"]) == 3
    last = team["burndown"]["days"][-1]
    assert (last["remaining_story_points"], last["remaining_tasks"]) == (5, 1)
    other = get(client, f"/teams/{world.team}/?parent={uuid7()}", token_for(world.bob))
    assert other.status_code == 422
    assert "query.parent" in other.get_json()["errors"]


def test_distribution_by_each_dimension_of_a_team(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    alice = token_for(world.alice)
    expected = {
        "status": {"todo": 2, "done": 1},
        "priority": {"medium": 2, "high": 1},
        "assignee": {str(world.alice): 2},
        "tag": {"api": 1},
        "team": {str(world.team): 3},
    }
    for by, counts in expected.items():
        body = get(client, f"/distribution/?by={by}&team={world.team}", alice).get_json()
        assert {item["key"]: item["count"] for item in body["items"]} == counts, by
    mine = get(client, "/distribution/?by=status", alice).get_json()
    assert (mine["scope"], mine["total"]) == ("user", 3)
    denied = get(client, f"/distribution/?by=status&user={world.bob}", alice)
    assert denied.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("by=colour", "by"),
        ("", "by"),
        ("by=status&extra=1", "extra"),
        ("by=status&team=not-a-uuid", "team"),
    ],
)
def test_bad_distribution_queries_are_422_naming_the_field(
    client: FlaskClient,
    world: World,
    token_for: Callable[..., dict[str, str]],
    query: str,
    field: str,
) -> None:
    response = get(client, f"/distribution/?{query}", token_for(world.alice))
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert f"query.{field}" in response.get_json()["errors"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-02-30", "from"),
        ("from=0001-01-01", "from"),
        ("to=9999-12-31", "to"),
        ("from=2026-03-01&to=2026-02-01", "from"),
        ("from=2020-01-01&to=2026-01-01", "from"),
        ("tz=Mars/Olympus", "tz"),
        ("tz=%00", "tz"),
        ("tz=../../etc/passwd", "tz"),
        ("tz=Etc", "tz"),
        ("tz=Factory", "tz"),
    ],
)
def test_bad_ranges_are_422_naming_the_field(
    client: FlaskClient,
    world: World,
    token_for: Callable[..., dict[str, str]],
    query: str,
    field: str,
) -> None:
    response = get(client, f"/dashboard/?{query}", token_for(world.alice))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert f"query.{field}" in errors, errors


def test_days_are_the_caller_s_local_days(
    client: FlaskClient, world: World, token_for: Callable[..., dict[str, str]]
) -> None:
    today = world.today.date()
    query = f"/dashboard/?from={today - timedelta(days=6)}&to={today}&tz=Pacific/Kiritimati"
    body = get(client, query, token_for(world.alice)).get_json()
    assert body["timezone"] == "Pacific/Kiritimati"
    assert next(day["date"] for day in body["per_day"]) == str(today - timedelta(days=6))
    assert len(body["per_day"]) == 7


def test_no_token_is_401(client: FlaskClient) -> None:
    response = client.get("/api/v1/analytics/dashboard/")
    assert response.status_code == 401
