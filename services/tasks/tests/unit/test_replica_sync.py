"""ReplicaSync: `users.*` events feed the replica of users and teams, which decides who the
caller is (role, status, teams) on every use case."""

from __future__ import annotations

import uuid

import pytest
from tasks_unit_fakes import create_task

from tasks_service.application.assign_task import AssignTask
from tasks_service.domain.errors import AccountDeactivated, TaskNotFound, ValidationFailed

STAMP = "2026-05-01T12:00:00Z"


def _user(user_id: uuid.UUID, version: int = 1, **changes) -> dict:
    return {
        "user_id": str(user_id),
        "username": "ann",
        "display_name": "Ann Lee",
        "email": "ann@example.org",
        "role": "member",
        "is_active": True,
        "version": version,
        "updated_at": STAMP,
    } | changes


def _team(team_id: uuid.UUID, version: int, *members: uuid.UUID) -> dict:
    return {
        "team_id": str(team_id),
        "name": "Ops",
        "version": version,
        "member_ids": [str(m) for m in members],
    }


def _apply(harness, method: str, data: dict) -> bool:
    with harness.uow() as uow:
        changed = getattr(harness.replica, method)(data, uow)
        uow.commit()
    return changed


def test_a_user_event_stores_the_profile(harness) -> None:
    ann = uuid.uuid4()
    prefs = {"task_assigned": False, "daily_summary": 1}
    data = _user(ann, timezone="Asia/Tokyo", notification_preferences=prefs)
    assert _apply(harness, "user_changed", data) is True
    user = harness.store.state.users[ann]
    assert (user.username, user.display_name, user.email, user.role) == (
        "ann",
        "Ann Lee",
        "ann@example.org",
        "member",
    )
    assert (user.timezone, user.version, user.updated_at.isoformat()) == (
        "Asia/Tokyo",
        1,
        "2026-05-01T12:00:00+00:00",
    )
    assert user.notification_preferences == {"task_assigned": False, "daily_summary": True}


@pytest.mark.parametrize("timezone", [None, "", "missing"])
def test_a_user_without_a_time_zone_lives_in_utc(harness, timezone) -> None:
    ann = uuid.uuid4()
    data = _user(ann) if timezone == "missing" else _user(ann, timezone=timezone)
    _apply(harness, "user_changed", data)
    assert harness.store.state.users[ann].timezone == "UTC"


def test_an_older_or_repeated_user_event_changes_nothing(harness) -> None:
    ann = uuid.uuid4()
    _apply(harness, "user_changed", _user(ann, version=2, role="manager"))
    assert _apply(harness, "user_changed", _user(ann, version=2, role="admin")) is False
    assert _apply(harness, "user_changed", _user(ann, version=1, role="member")) is False
    assert harness.store.state.users[ann].role == "manager"


def test_a_promotion_lets_a_member_see_every_task(harness) -> None:
    ann, bob = uuid.uuid4(), harness.store.add_user()
    _apply(harness, "user_changed", _user(ann))
    task_id = create_task(harness, bob)
    with pytest.raises(TaskNotFound):
        harness.queries.get(ann, task_id)
    _apply(harness, "user_changed", _user(ann, version=2, role="manager"))
    assert harness.queries.get(ann, task_id).id == task_id


def test_a_deactivated_user_can_neither_act_nor_be_assigned(harness) -> None:
    ann, boss = uuid.uuid4(), harness.store.add_user("manager")
    _apply(harness, "user_changed", _user(ann))
    task_id = create_task(harness, boss)
    assert _apply(harness, "user_deactivated", {"user_id": str(ann), "version": 2}) is True
    with pytest.raises(AccountDeactivated):
        create_task(harness, ann)
    with pytest.raises(ValidationFailed):
        harness.assign(AssignTask(actor_id=boss, task_id=task_id, user_ids=(ann,)))


def test_a_deactivation_older_than_the_replica_is_ignored(harness) -> None:
    ann = uuid.uuid4()
    _apply(harness, "user_changed", _user(ann, version=3))
    assert _apply(harness, "user_deactivated", {"user_id": str(ann), "version": 2}) is False
    assert harness.store.state.users[ann].is_active is True


def test_team_members_see_the_teams_tasks_until_they_leave(harness) -> None:
    team, ann, bob = uuid.uuid4(), harness.store.add_user(), harness.store.add_user("manager")
    _apply(harness, "team_changed", _team(team, 1, ann))
    task_id = create_task(harness, bob, team_id=team)
    assert harness.queries.get(ann, task_id).id == task_id
    _apply(harness, "team_changed", _team(team, 2))
    with pytest.raises(TaskNotFound):
        harness.queries.get(ann, task_id)


def test_an_older_team_event_does_not_bring_back_a_member(harness) -> None:
    team, ann = uuid.uuid4(), harness.store.add_user()
    _apply(harness, "team_changed", _team(team, 2))
    assert _apply(harness, "team_changed", _team(team, 1, ann)) is False
    assert harness.store.state.teams[team].team.member_ids == ()


def test_a_deleted_team_takes_no_new_tasks_and_stays_deleted(harness) -> None:
    team, boss = uuid.uuid4(), harness.store.add_user("admin")
    _apply(harness, "team_changed", _team(team, 1, boss))
    assert _apply(harness, "team_deleted", {"team_id": str(team), "version": 2}) is True
    with pytest.raises(ValidationFailed):
        create_task(harness, boss, team_id=team)
    assert _apply(harness, "team_changed", _team(team, 1, boss)) is False
