"""Team use cases: permissions, names, idempotency, members, versions and events."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from users_unit_fakes import UsersHarness

from users_service.application.create_team import CreateTeam
from users_service.application.integration import (
    TEAM_CREATED,
    TEAM_DELETED,
    TEAM_MEMBER_ADDED,
    TEAM_MEMBER_REMOVED,
    TEAM_UPDATED,
    USER_CREATED,
)
from users_service.application.results import TeamView
from users_service.application.team_members import AddTeamMember, RemoveTeamMember
from users_service.application.update_profile import UpdateProfile
from users_service.application.update_team import DeleteTeam, UpdateTeam
from users_service.domain.errors import (
    AlreadyATeamMember,
    IdempotencyKeyReused,
    NotATeamMember,
    PermissionDenied,
    StaleVersion,
    TeamNameTaken,
    TeamNotFound,
    ValidationFailed,
)
from users_service.domain.model import ProfileChanges, Role


def _present(view: TeamView) -> dict[str, Any]:
    return {"id": str(view.id), "name": view.name, "version": view.version}


def _team_events(harness: UsersHarness) -> list[str]:
    return [t for t in harness.store.event_types() if t != USER_CREATED]


@pytest.fixture
def boss(harness: UsersHarness) -> uuid.UUID:
    return harness.register("boss", role=Role.MANAGER)


def _create(harness: UsersHarness, actor: uuid.UUID, name: str = "Core", **kw: Any) -> uuid.UUID:
    created = harness.create_team(CreateTeam(actor_id=actor, name=name, **kw), present=_present)
    return uuid.UUID(created.response.body["id"])


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_staff_create_teams(harness: UsersHarness, role: Role) -> None:
    actor = harness.register("staff", role=role)
    created = harness.create_team(
        CreateTeam(actor_id=actor, name=" Core ", description="Core people"), present=_present
    )
    assert created.replayed is False
    assert created.response.status == 201
    team = harness.store.team(uuid.UUID(created.response.body["id"]))
    assert (team.name, team.description, team.created_by, team.version) == (
        "Core",
        "Core people",
        actor,
        1,
    )
    assert team.id.version == 7
    [event] = [e for e in harness.store.events if e.type == TEAM_CREATED]
    assert event.subject == str(team.id)
    assert event.data["member_ids"] == []
    assert event.data["name"] == "Core"


def test_members_cannot_create_teams(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    with pytest.raises(PermissionDenied):
        _create(harness, ann)
    assert harness.store.teams == []


def test_team_names_are_unique_in_any_case(harness: UsersHarness, boss: uuid.UUID) -> None:
    _create(harness, boss, "Core")
    with pytest.raises(TeamNameTaken):
        _create(harness, boss, "CORE")
    assert len(harness.store.teams) == 1


def test_invalid_team_fields(harness: UsersHarness, boss: uuid.UUID) -> None:
    with pytest.raises(ValidationFailed):
        _create(harness, boss, "   ")
    assert harness.store.teams == []


def test_an_idempotency_key_replays_the_first_response(
    harness: UsersHarness, boss: uuid.UUID
) -> None:
    command = CreateTeam(actor_id=boss, name="Core", idempotency_key="k-1")
    first = harness.create_team(command, present=_present)
    again = harness.create_team(command, present=_present)
    assert again.replayed is True
    assert again.response == first.response
    assert len(harness.store.teams) == 1
    assert _team_events(harness) == [TEAM_CREATED]


def test_the_same_key_with_another_body_is_refused(harness: UsersHarness, boss: uuid.UUID) -> None:
    harness.create_team(
        CreateTeam(actor_id=boss, name="Core", idempotency_key="k-1"), present=_present
    )
    with pytest.raises(IdempotencyKeyReused):
        harness.create_team(
            CreateTeam(actor_id=boss, name="Other", idempotency_key="k-1"), present=_present
        )
    assert [team.name for team in harness.store.teams] == ["Core"]


def test_keys_belong_to_one_caller(harness: UsersHarness, boss: uuid.UUID) -> None:
    other = harness.register("other-boss", role=Role.MANAGER)
    harness.create_team(
        CreateTeam(actor_id=boss, name="Core", idempotency_key="k-1"), present=_present
    )
    created = harness.create_team(
        CreateTeam(actor_id=other, name="Edge", idempotency_key="k-1"), present=_present
    )
    assert created.replayed is False
    assert len(harness.store.teams) == 2


def test_a_failed_create_releases_its_key(harness: UsersHarness, boss: uuid.UUID) -> None:
    _create(harness, boss, "Core")
    with pytest.raises(TeamNameTaken):
        harness.create_team(
            CreateTeam(actor_id=boss, name="core", idempotency_key="k-2"), present=_present
        )
    created = harness.create_team(
        CreateTeam(actor_id=boss, name="Edge", idempotency_key="k-2"), present=_present
    )
    assert created.replayed is False


def test_an_expired_key_starts_afresh(harness: UsersHarness, boss: uuid.UUID) -> None:
    harness.create_team(
        CreateTeam(actor_id=boss, name="Core", idempotency_key="k-1"), present=_present
    )
    harness.clock.advance(timedelta(hours=25))
    created = harness.create_team(
        CreateTeam(actor_id=boss, name="Edge", idempotency_key="k-1"), present=_present
    )
    assert created.replayed is False
    assert len(harness.store.teams) == 2


def test_rename_and_describe(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    view = harness.update_team(
        UpdateTeam(actor_id=boss, team_id=team_id, name="Kernel", description="Low level")
    )
    assert (view.name, view.description, view.version) == ("Kernel", "Low level", 2)
    assert _team_events(harness) == [TEAM_CREATED, TEAM_UPDATED]
    assert harness.store.events[-1].data["version"] == 2


def test_an_update_without_changes_writes_nothing(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    view = harness.update_team(UpdateTeam(actor_id=boss, team_id=team_id, name="Core"))
    assert view.version == 1
    assert _team_events(harness) == [TEAM_CREATED]


def test_a_rename_onto_another_team_is_refused(harness: UsersHarness, boss: uuid.UUID) -> None:
    _create(harness, boss, "Core")
    edge = _create(harness, boss, "Edge")
    with pytest.raises(TeamNameTaken):
        harness.update_team(UpdateTeam(actor_id=boss, team_id=edge, name="core"))
    # Changing only the letter case of one's own name is fine.
    view = harness.update_team(UpdateTeam(actor_id=boss, team_id=edge, name="EDGE"))
    assert view.name == "EDGE"


def test_stale_if_match_on_team_writes(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    harness.update_team(UpdateTeam(actor_id=boss, team_id=team_id, name="Core 2"))
    with pytest.raises(StaleVersion):
        harness.update_team(
            UpdateTeam(actor_id=boss, team_id=team_id, name="Core 3", expected_version=1)
        )
    with pytest.raises(StaleVersion):
        harness.delete_team(DeleteTeam(actor_id=boss, team_id=team_id, expected_version=1))
    assert harness.store.team(team_id).name == "Core 2"


def test_members_cannot_change_teams(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    ann = harness.register("ann")
    with pytest.raises(PermissionDenied):
        harness.update_team(UpdateTeam(actor_id=ann, team_id=team_id, name="Mine"))
    with pytest.raises(PermissionDenied):
        harness.delete_team(DeleteTeam(actor_id=ann, team_id=team_id))
    with pytest.raises(PermissionDenied):
        harness.add_member(AddTeamMember(actor_id=ann, team_id=team_id, user_id=ann))
    assert harness.store.team(team_id).version == 1


def test_unknown_team_writes(harness: UsersHarness, boss: uuid.UUID) -> None:
    with pytest.raises(TeamNotFound):
        harness.update_team(UpdateTeam(actor_id=boss, team_id=uuid.uuid4(), name="x"))
    with pytest.raises(TeamNotFound):
        harness.delete_team(DeleteTeam(actor_id=boss, team_id=uuid.uuid4()))


def test_members_join_and_leave(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    ann = harness.register("ann")
    bob = harness.register("bob")
    harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=ann))
    view = harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=bob))
    assert view.member_ids == [ann, bob]
    assert [m.username for m in view.members] == ["ann", "bob"]
    assert view.version == 3
    added = harness.store.events[-1]
    assert added.type == TEAM_MEMBER_ADDED
    assert added.data["user_id"] == str(bob)
    assert added.data["member_ids"] == [str(ann), str(bob)]
    assert added.data["changed_by"] == str(boss)

    view = harness.remove_member(RemoveTeamMember(actor_id=boss, team_id=team_id, user_id=ann))
    assert view.member_ids == [bob]
    assert view.version == 4
    removed = harness.store.events[-1]
    assert removed.type == TEAM_MEMBER_REMOVED
    assert (removed.data["user_id"], removed.data["member_ids"]) == (str(ann), [str(bob)])
    assert harness.store.team(team_id).member_ids == [bob]


def test_only_existing_active_users_join(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    admin = harness.register("root", role=Role.ADMIN)
    bob = harness.register("bob")
    harness.update_profile(
        UpdateProfile(actor_id=admin, user_id=bob, changes=ProfileChanges(is_active=False))
    )
    for user_id in (bob, uuid.uuid4()):
        with pytest.raises(ValidationFailed) as raised:
            harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=user_id))
        assert "user_id" in raised.value.errors
    assert harness.store.team(team_id).member_ids == []


def test_joining_twice_and_leaving_as_a_non_member(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    ann = harness.register("ann")
    harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=ann))
    with pytest.raises(AlreadyATeamMember):
        harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=ann))
    with pytest.raises(NotATeamMember):
        harness.remove_member(RemoveTeamMember(actor_id=boss, team_id=team_id, user_id=boss))
    assert harness.store.team(team_id).version == 2


def test_delete_announces_the_last_members(harness: UsersHarness, boss: uuid.UUID) -> None:
    team_id = _create(harness, boss)
    ann = harness.register("ann")
    harness.add_member(AddTeamMember(actor_id=boss, team_id=team_id, user_id=ann))
    harness.delete_team(DeleteTeam(actor_id=boss, team_id=team_id, expected_version=2))
    assert harness.store.teams == []
    deleted = harness.store.events[-1]
    assert deleted.type == TEAM_DELETED
    assert deleted.data["member_ids"] == [str(ann)]
    assert deleted.data["version"] == 3
    assert deleted.data["deleted_by"] == str(boss)
