"""Time entries over HTTP: logging, visibility, permissions, validation, keyset pages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from services.timetracking.tests.world import World

URL = "/api/v1/time/entries/"


def log(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post(URL, json=body, headers=headers)


def test_a_member_logs_time_on_a_task_they_can_see(client, world: World, auth_for) -> None:
    member = world.user()
    task = world.task(member, assignees=(member,))
    answer = log(
        client,
        auth_for(member),
        task_id=str(task.task_id),
        started_at="2026-12-01T09:00:30Z",
        ended_at="2026-12-01T10:30:00Z",
        note="design review",
    )
    assert answer.status_code == 201, answer.get_json()
    entry = answer.get_json()
    assert entry["duration_minutes"] == 90  # seconds dropped: kept to the minute
    assert entry["work_date"] == "2026-12-01"
    assert entry["source"] == "manual"
    assert entry["user_id"] == str(member)
    assert answer.headers["ETag"]
    fetched = client.get(f"{URL}{entry['id']}", headers=auth_for(member))
    assert fetched.status_code == 200
    assert fetched.get_json() == entry


def test_a_duration_alone_needs_a_work_date_or_takes_today(client, world: World, auth_for) -> None:
    member = world.user()
    task = world.task(member)
    answer = log(
        client,
        auth_for(member),
        task_id=str(task.task_id),
        duration_minutes=45,
        work_date="2026-11-30",
    )
    assert answer.status_code == 201
    assert answer.get_json()["started_at"] is None
    assert answer.get_json()["duration_minutes"] == 45


def test_a_task_the_caller_cannot_see_is_refused_by_name(
    client, world: World, auth_for, row_counts
) -> None:
    owner, stranger = world.user(), world.user()
    task = world.task(owner)
    before = row_counts()
    answer = log(client, auth_for(stranger), task_id=str(task.task_id), duration_minutes=30)
    assert answer.status_code == 422
    assert "task_id" in answer.get_json()["errors"]
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 1441}, "duration_minutes"),
        ({"duration_minutes": 2**63 - 1}, "duration_minutes"),
        ({"duration_minutes": "30"}, "duration_minutes"),
        ({"duration_minutes": 30, "note": "a\u0000b"}, "note"),
        ({"duration_minutes": 30, "note": "x" * 2001}, "note"),
        ({"duration_minutes": 30, "work_date": "0001-01-01"}, "work_date"),
        ({"duration_minutes": 30, "work_date": "99999-01-01"}, "work_date"),
        ({"started_at": "2026-12-01T10:00:00Z", "ended_at": "2026-12-01T09:00:00Z"}, "ended_at"),
        ({"started_at": "2026-12-01T10:00:00Z", "ended_at": "2026-12-03T10:00:00Z"}, "ended_at"),
        ({"started_at": "2026-12-01T10:00:00"}, "started_at"),
        ({"started_at": "0001-01-01T00:00:00+14:00", "duration_minutes": 5}, "started_at"),
        ({"ended_at": "2026-12-01T10:00:00Z"}, "started_at"),
        ({}, "duration_minutes"),
        ({"duration_minutes": 30, "billable": "yes"}, "billable"),
        ({"duration_minutes": 30, "source": "automatic"}, "source"),
        ({"duration_minutes": 30, "version": 7}, "version"),
        (
            {
                "started_at": "2026-12-01T09:00:00Z",
                "ended_at": "2026-12-01T10:00:00Z",
                "duration_minutes": 30,
            },
            "duration_minutes",
        ),
    ],
)
def test_hostile_or_invalid_bodies_are_422_naming_the_field_and_write_nothing(
    client, world: World, auth_for, row_counts, body: dict[str, Any], field: str
) -> None:
    member = world.user()
    task = world.task(member)
    before = row_counts()
    answer = log(client, auth_for(member), task_id=str(task.task_id), **body)
    assert answer.status_code == 422, answer.get_json()
    assert answer.content_type == "application/problem+json"
    assert field in answer.get_json()["errors"], answer.get_json()
    assert row_counts() == before


def test_deeply_nested_bodies_are_refused(client, world: World, auth_for) -> None:
    member = world.user()
    nested: Any = 1
    for _ in range(40):
        nested = [nested]
    answer = client.post(URL, json={"task_id": nested}, headers=auth_for(member))
    assert answer.status_code == 422


def test_managers_log_for_their_team_members_and_members_do_not(
    client, world: World, auth_for
) -> None:
    team = uuid.uuid4()
    manager = world.user("manager", team_ids=(team,))
    member = world.user(team_ids=(team,))
    outsider_manager = world.user("manager")
    peer = world.user(team_ids=(team,))
    task = world.task(member, team_id=team)
    logged = log(
        client,
        auth_for(manager, "manager"),
        task_id=str(task.task_id),
        user_id=str(member),
        duration_minutes=60,
        work_date="2026-12-02",
    )
    assert logged.status_code == 201
    assert logged.get_json()["user_id"] == str(member)
    refused = log(
        client,
        auth_for(outsider_manager, "manager"),
        task_id=str(task.task_id),
        user_id=str(member),
        duration_minutes=60,
        work_date="2026-12-02",
    )
    assert refused.status_code == 403
    by_peer = log(
        client,
        auth_for(peer),
        task_id=str(task.task_id),
        user_id=str(member),
        duration_minutes=60,
        work_date="2026-12-02",
    )
    assert by_peer.status_code == 403


def test_entries_are_listed_by_visibility_with_filters_and_keyset_pages(
    client, world: World, auth_for
) -> None:
    team = uuid.uuid4()
    alice = world.user(team_ids=(team,))
    bob = world.user(team_ids=(team,))
    carol = world.user()
    shared = world.task(alice, team_id=team)
    private = world.task(carol)
    for day in range(1, 6):
        log(
            client,
            auth_for(alice),
            task_id=str(shared.task_id),
            duration_minutes=10 * day,
            work_date=f"2026-10-0{day}",
        )
    log(
        client,
        auth_for(carol),
        task_id=str(private.task_id),
        duration_minutes=10,
        work_date="2026-10-03",
    )
    # Bob sees Alice's entries on their team's task, never Carol's private one.
    seen: list[dict[str, Any]] = []
    url = f"{URL}?limit=2&from=2026-10-01&to=2026-10-31&team={team}"
    while url:
        page = client.get(url, headers=auth_for(bob))
        assert page.status_code == 200, page.get_json()
        seen.extend(page.get_json()["items"])
        cursor = page.get_json()["next_cursor"]
        url = (
            f"{URL}?limit=2&from=2026-10-01&to=2026-10-31&team={team}&cursor={cursor}"
            if cursor
            else ""
        )
        if cursor:
            assert 'rel="next"' in page.headers["Link"]
    assert [e["work_date"] for e in seen] == [f"2026-10-0{d}" for d in range(5, 0, -1)]
    mine = client.get(f"{URL}?task={private.task_id}", headers=auth_for(bob)).get_json()
    assert mine["items"] == []
    assert client.get(f"{URL}?cursor=garbage", headers=auth_for(bob)).status_code == 422
    assert client.get(f"{URL}?bogus=1", headers=auth_for(bob)).status_code == 422
    assert client.get(f"{URL}?limit=0", headers=auth_for(bob)).status_code == 422


def test_patch_and_delete_follow_permissions_and_if_match(
    client, world: World, auth_for, outbox_of
) -> None:
    member = world.user()
    other = world.user()
    task = world.task(member)
    created = log(
        client,
        auth_for(member),
        task_id=str(task.task_id),
        duration_minutes=30,
        work_date="2026-12-02",
    ).get_json()
    url = f"{URL}{created['id']}"
    assert client.patch(url, json={"note": "x"}, headers=auth_for(other)).status_code == 404
    stale = client.patch(url, json={"note": "x"}, headers=auth_for(member) | {"If-Match": '"0"'})
    assert stale.status_code == 412
    changed = client.patch(
        url, json={"duration_minutes": 50, "note": "pairing"}, headers=auth_for(member)
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["duration_minutes"] == 50
    assert changed.get_json()["version"] == 2
    assert (
        client.patch(url, json={"user_id": str(other)}, headers=auth_for(member)).status_code == 422
    )
    assert client.delete(url, headers=auth_for(member)).status_code == 204
    assert client.get(url, headers=auth_for(member)).status_code == 404
    events = outbox_of(created["id"])
    assert [row.type for row in events] == [
        "timetracking.entry.created.v1",
        "timetracking.entry.updated.v1",
        "timetracking.entry.deleted.v1",
    ]
    assert [row.data["task_logged_minutes"] for row in events] == [30, 50, 0]
    assert [row.data["task_rollup_version"] for row in events] == [1, 2, 3]


def test_no_token_is_401(client) -> None:
    assert client.get(URL).status_code == 401
