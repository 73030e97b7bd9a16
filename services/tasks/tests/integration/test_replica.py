"""The users/teams replica: applied once through the inbox, stale versions ignored."""

from __future__ import annotations

import json
import uuid

import sqlalchemy as sa

from taskhive_shared.events.consumer import Outcome
from taskhive_shared.ids import uuid7
from tasks_service.bootstrap import consumer_topology
from tasks_service.entrypoints.events import CONSUMED, QUEUE, USERS_EXCHANGE


def _user(admin_engine, user_id: uuid.UUID):
    with admin_engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT * FROM tasks.replica_users WHERE id = :id"), {"id": user_id}
        ).first()


def _members(admin_engine, team_id: uuid.UUID) -> set[uuid.UUID]:
    with admin_engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT user_id FROM tasks.replica_team_members WHERE team_id = :id"),
            {"id": team_id},
        )
        return {row.user_id for row in rows}


def test_a_user_event_applies_once_and_stale_versions_change_nothing(
    deliver, processor, admin_engine, build
) -> None:
    user_id = uuid7()
    created = build.event("users.user.created.v1", str(user_id), build.user(user_id, "member"))
    body = json.dumps(created.to_dict()).encode()
    assert processor.process(body).outcome is Outcome.APPLIED
    assert processor.process(body).outcome is Outcome.DUPLICATE
    newer = build.user(user_id, "manager", version=3, display_name="Max Power")
    assert deliver(build.event("users.user.updated.v1", str(user_id), newer)) is Outcome.APPLIED
    older = build.user(user_id, "admin", version=2)
    assert deliver(build.event("users.user.updated.v1", str(user_id), older)) is Outcome.APPLIED
    row = _user(admin_engine, user_id)
    assert (row.role, row.display_name, row.version, row.is_active) == (
        "manager",
        "Max Power",
        3,
        True,
    )
    deactivated = {
        "user_id": str(user_id),
        "deactivated_by": str(uuid7()),
        "deactivated_at": "2026-01-01T00:00:00+00:00",
        "version": 3,
    }
    assert deliver(build.event("users.user.deactivated.v1", str(user_id), deactivated))
    assert _user(admin_engine, user_id).is_active is False
    stale = build.event("users.user.deactivated.v1", str(user_id), deactivated | {"version": 2})
    deliver(stale)
    assert _user(admin_engine, user_id).version == 3


def test_team_events_replace_members_and_a_deletion_is_final(deliver, admin_engine, build) -> None:
    team_id, ann, bob = uuid7(), uuid7(), uuid7()
    deliver(build.event("users.team.created.v1", str(team_id), build.team(team_id, [ann], 1)))
    added = build.team(team_id, [ann, bob], 2) | {
        "user_id": str(bob),
        "changed_by": str(ann),
        "changed_at": "2026-01-01T00:00:00+00:00",
    }
    deliver(build.event("users.team.member_added.v1", str(team_id), added))
    assert _members(admin_engine, team_id) == {ann, bob}
    late = build.team(team_id, [ann], 1)
    deliver(build.event("users.team.updated.v1", str(team_id), late))
    assert _members(admin_engine, team_id) == {ann, bob}
    deleted = {
        "team_id": str(team_id),
        "name": "gone",
        "member_ids": [str(ann), str(bob)],
        "version": 3,
        "deleted_by": str(ann),
        "deleted_at": "2026-01-01T00:00:00+00:00",
    }
    deliver(build.event("users.team.deleted.v1", str(team_id), deleted))
    assert _members(admin_engine, team_id) == set()
    deliver(build.event("users.team.member_added.v1", str(team_id), added))
    assert _members(admin_engine, team_id) == set()


def test_team_membership_grants_visibility_through_events(
    client, make_user, deliver, build
) -> None:
    ann, cat = make_user(), make_user()
    team_id = uuid7()
    deliver(build.event("users.team.created.v1", str(team_id), build.team(team_id, [ann.id], 1)))
    task = client.post(
        "/api/v1/tasks", json={"title": "Team task", "team_id": str(team_id)}, headers=ann.auth
    ).get_json()
    url = f"/api/v1/tasks/{task['id']}"
    assert client.get(url, headers=cat.auth).status_code == 404
    joined = build.team(team_id, [ann.id, cat.id], 2)
    deliver(build.event("users.team.updated.v1", str(team_id), joined))
    assert client.get(url, headers=cat.auth).status_code == 200


def test_an_invalid_event_is_dead_lettered_without_effect(processor, row_counts, build) -> None:
    user_id = uuid7()
    bad = build.event("users.user.created.v1", str(user_id), build.user(user_id, "superuser"))
    before = row_counts()
    result = processor.process(json.dumps(bad.to_dict()).encode())
    assert result.outcome is Outcome.DEAD_LETTER
    assert row_counts() == before


def test_the_consumer_binds_every_handled_type(processor) -> None:
    topology = consumer_topology()
    assert topology.queue == QUEUE
    bound = [t for types in topology.bindings.values() for t in types]
    assert sorted(bound) == sorted(CONSUMED)
    assert set(topology.bindings) == {USERS_EXCHANGE, "tasks.events", "timetracking.events"}
    assert all(t.startswith("tasks.task.") for t in topology.bindings["tasks.events"])
    assert all(
        t.startswith("timetracking.entry.") for t in topology.bindings["timetracking.events"]
    )
    assert sorted(processor.event_types) == sorted(CONSUMED)
    assert topology.service == "tasks"


def test_a_deactivation_before_its_profile_update_does_not_hide_it(
    deliver, admin_engine, build
) -> None:
    """One change emits `updated` and `deactivated` with one version, delivered in any order."""
    user_id = uuid7()
    deliver(build.event("users.user.created.v1", str(user_id), build.user(user_id, "member")))
    deactivated = {
        "user_id": str(user_id),
        "deactivated_by": str(uuid7()),
        "deactivated_at": "2026-01-01T00:00:00+00:00",
        "version": 2,
    }
    deliver(build.event("users.user.deactivated.v1", str(user_id), deactivated))
    change = build.user(user_id, "manager", version=2, display_name="Renamed") | {
        "is_active": False
    }
    deliver(build.event("users.user.updated.v1", str(user_id), change))
    row = _user(admin_engine, user_id)
    assert (row.role, row.display_name, row.is_active, row.version) == (
        "manager",
        "Renamed",
        False,
        2,
    )
