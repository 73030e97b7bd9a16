"""Expected hours from the teams' working calendars, replicated from `tasks.calendar.*` and
`tasks.team_settings.*`: duplicates change nothing, reordered events keep the newest
version, a deleted calendar falls back to the default, several teams take the first, and
snapshots (`tasks-service publish-snapshots`) fill a replica without undoing newer state."""

from __future__ import annotations

import uuid
from typing import Any

from services.timetracking.tests.world import World
from taskhive_shared.events.consumer import Outcome
from taskhive_shared.ids import uuid7

SHEETS = "/api/v1/time/timesheets/"


def expected(client: Any, headers: dict[str, str], user: uuid.UUID) -> dict[str, int]:
    answer = client.get(f"{SHEETS}?week=2026-W49&tz=UTC&user={user}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return {day["date"]: day["expected_minutes"] for day in answer.get_json()["days"]}


def test_the_teams_calendar_gives_the_expected_hours(client, world: World, auth_for) -> None:
    team = uuid.uuid4()
    member = world.user(team_ids=(team,))
    mine = auth_for(member)
    assert list(expected(client, mine, member).values()) == [480] * 5 + [0, 0]
    calendar = uuid7()
    world.deliver(
        world.calendar_event(
            calendar,
            1,
            kind="created",
            timezone="Europe/Berlin",
            working_days=(1, 2, 3, 4),
            day_start="08:00:00",
            day_end="18:00:00",
            holidays=("2026-12-01",),
        )
    )
    # A calendar no team works changes nothing; the team's choice does.
    assert list(expected(client, mine, member).values()) == [480] * 5 + [0, 0]
    world.deliver(world.team_settings_event(team, calendar, 1))
    assert list(expected(client, mine, member).values()) == [600, 0, 600, 600, 0, 0, 0]
    sheet = client.get(f"{SHEETS}?week=2026-W49&tz=UTC", headers=mine).get_json()
    assert sheet["totals"]["expected_minutes"] == 1800


def test_duplicates_and_reordering_keep_the_newest_calendar(client, world: World, auth_for) -> None:
    team = uuid.uuid4()
    member = world.user(team_ids=(team,))
    mine = auth_for(member)
    calendar = uuid7()
    created = world.calendar_event(calendar, 1, kind="created", day_end="13:00:00")
    updated = world.calendar_event(calendar, 2, day_end="15:00:00")
    world.deliver(world.team_settings_event(team, calendar, 1))
    world.deliver(updated)  # v2 arrives first
    assert world.deliver(created).outcome is Outcome.APPLIED  # then v1: stale, ignored
    assert world.deliver(updated).outcome is Outcome.DUPLICATE
    assert expected(client, mine, member)["2026-11-30"] == 360

    deleted = world.calendar_event(calendar, 3, kind="deleted")
    late = world.calendar_event(calendar, 2, day_end="16:00:00")
    world.deliver(deleted)
    world.deliver(late)  # an older update after the deletion does not bring it back
    assert expected(client, mine, member)["2026-11-30"] == 480

    # The team's settings: a newer choice wins over an older one delivered late.
    other = uuid7()
    world.deliver(world.calendar_event(other, 1, kind="created", day_end="11:00:00"))
    world.deliver(world.team_settings_event(team, other, 3))
    world.deliver(world.team_settings_event(team, None, 2))
    assert expected(client, mine, member)["2026-11-30"] == 120
    world.deliver(world.team_settings_event(team, None, 4))
    assert expected(client, mine, member)["2026-11-30"] == 480


def test_in_several_teams_the_first_team_with_a_calendar_counts(
    client, world: World, auth_for
) -> None:
    low, high = sorted((uuid.uuid4(), uuid.uuid4()))
    member = world.user(team_ids=(high, low))
    manager = world.user("manager", team_ids=(low, high))
    short, long = uuid7(), uuid7()
    world.deliver(world.calendar_event(short, 1, kind="created", day_end="12:00:00"))
    world.deliver(world.calendar_event(long, 1, kind="created", day_end="19:00:00"))
    world.deliver(world.team_settings_event(high, long, 1))
    mine = auth_for(member)
    assert expected(client, mine, member)["2026-11-30"] == 600
    world.deliver(world.team_settings_event(low, short, 1))
    assert expected(client, mine, member)["2026-11-30"] == 180
    # The team view of either team shows the same expectation for them.
    boss = auth_for(manager, "manager")
    for team in (low, high):
        week = client.get(f"{SHEETS}team?team={team}&week=2026-W49&tz=UTC", headers=boss)
        items = {item["user_id"]: item for item in week.get_json()["items"]}
        assert items[str(member)]["days"][0]["expected_minutes"] == 180


def test_snapshots_fill_the_replica_and_never_undo_a_newer_state(
    client, world: World, auth_for
) -> None:
    """Calendars made before timetracking's queue existed arrive as snapshots only."""
    team = uuid.uuid4()
    member = world.user(team_ids=(team,))
    mine = auth_for(member)
    calendar = uuid7()
    snapshot = world.calendar_event(calendar, 4, kind="snapshot", day_end="14:00:00")
    assert world.deliver(snapshot).outcome is Outcome.APPLIED
    world.deliver(world.team_settings_event(team, calendar, 2, kind="snapshot"))
    assert expected(client, mine, member)["2026-11-30"] == 300
    assert world.deliver(snapshot).outcome is Outcome.DUPLICATE

    # Older snapshots (taken before a change that was delivered first) are ignored.
    world.deliver(world.calendar_event(calendar, 5, day_end="12:00:00"))
    world.deliver(world.calendar_event(calendar, 4, kind="snapshot", day_end="16:00:00"))
    world.deliver(world.team_settings_event(team, None, 3))
    world.deliver(world.team_settings_event(team, calendar, 2, kind="snapshot"))
    assert expected(client, mine, member)["2026-11-30"] == 480  # the default, settings v3
    world.deliver(world.team_settings_event(team, calendar, 4, kind="snapshot"))
    assert expected(client, mine, member)["2026-11-30"] == 180  # the calendar's v5

    # A snapshot taken before the deletion never brings the calendar back.
    world.deliver(world.calendar_event(calendar, 6, kind="deleted"))
    world.deliver(world.calendar_event(calendar, 5, kind="snapshot", day_end="12:00:00"))
    assert expected(client, mine, member)["2026-11-30"] == 480
