"""What the Profile and Team aggregates record as they change (domain/events.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from users_service.domain.errors import AlreadyATeamMember, NotATeamMember, ValidationFailed
from users_service.domain.events import (
    MemberAdded,
    MemberRemoved,
    ProfileCreated,
    ProfileDeactivated,
    ProfileRepublished,
    ProfileUpdated,
    TeamCreated,
    TeamDeleted,
    TeamRepublished,
    TeamUpdated,
)
from users_service.domain.model import Profile, ProfileChanges, Role, Team

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
ADMIN = uuid.uuid4()


def _profile() -> Profile:
    profile = Profile.register(
        user_id=uuid.uuid4(),
        username="ann",
        email="ann@example.org",
        first_name="Ann",
        last_name="Lee",
        role=Role.MEMBER,
        at=T0,
    )
    profile.pull_events()
    return profile


def _team() -> Team:
    team = Team.create(team_id=uuid.uuid4(), name="Core", description="", created_by=ADMIN, at=T0)
    team.pull_events()
    return team


def test_registration_records_the_creation_without_an_actor() -> None:
    user_id = uuid.uuid4()
    profile = Profile.register(
        user_id=user_id,
        username="ann",
        email="ann@example.org",
        first_name="",
        last_name="",
        role=Role.MEMBER,
        at=T0,
    )
    assert profile.pull_events() == [ProfileCreated(user_id=user_id, actor_id=None, at=T0)]
    assert profile.pull_events() == []


def test_a_change_records_what_changed_and_who_changed_it() -> None:
    profile = _profile()
    profile.apply(ProfileChanges(first_name="Anna", timezone="Europe/Paris"), T1, by=ADMIN)
    assert profile.pull_events() == [
        ProfileUpdated(
            user_id=profile.id,
            actor_id=ADMIN,
            at=T1,
            changed=frozenset({"first_name", "timezone"}),
        )
    ]


def test_a_change_to_equal_values_or_an_invalid_one_records_nothing() -> None:
    profile = _profile()
    profile.apply(ProfileChanges(first_name="Ann", timezone="UTC"), T1, by=ADMIN)
    with pytest.raises(ValidationFailed):
        profile.apply(ProfileChanges(first_name="Bea", timezone="Nowhere"), T1, by=ADMIN)
    assert profile.pull_events() == []


def test_deactivation_is_an_update_then_a_deactivation_and_reactivation_only_an_update() -> None:
    profile = _profile()
    profile.apply(ProfileChanges(is_active=False), T1, by=ADMIN)
    assert [type(e) for e in profile.events] == [ProfileUpdated, ProfileDeactivated]
    assert profile.pull_events()[1] == ProfileDeactivated(user_id=profile.id, actor_id=ADMIN, at=T1)
    profile.apply(ProfileChanges(is_active=True), T1, by=ADMIN)
    assert [type(e) for e in profile.pull_events()] == [ProfileUpdated]
    profile.apply(ProfileChanges(role=Role.MANAGER, is_active=True), T1, by=ADMIN)
    assert [type(e) for e in profile.pull_events()] == [ProfileUpdated]


def test_republishing_a_profile_records_without_a_new_version() -> None:
    profile = _profile()
    profile.republish(T1)
    assert profile.pull_events() == [ProfileRepublished(user_id=profile.id, actor_id=None, at=T1)]
    assert (profile.version, profile.updated_at) == (1, T0)


def test_a_new_team_records_its_creation_by_its_creator() -> None:
    team = Team.create(team_id=uuid.uuid4(), name="Core", description="", created_by=ADMIN, at=T0)
    assert team.pull_events() == [TeamCreated(team_id=team.id, actor_id=ADMIN, at=T0)]


def test_a_team_update_records_the_changed_fields_only_when_something_changed() -> None:
    team = _team()
    assert team.update(name="Core", description=None, at=T1, by=ADMIN) == frozenset()
    assert team.events == []
    assert team.update(name="Kernel", description="", at=T1, by=ADMIN) == {"name"}
    assert team.pull_events() == [
        TeamUpdated(team_id=team.id, actor_id=ADMIN, at=T1, changed=frozenset({"name"}))
    ]


def test_members_joining_and_leaving_are_recorded_in_order() -> None:
    team = _team()
    ann, bob = uuid.uuid4(), uuid.uuid4()
    team.add_member(ann, by=ADMIN, at=T1)
    team.add_member(bob, by=ADMIN, at=T1)
    team.remove_member(ann, by=ADMIN, at=T1)
    assert team.pull_events() == [
        MemberAdded(team_id=team.id, actor_id=ADMIN, at=T1, user_id=ann),
        MemberAdded(team_id=team.id, actor_id=ADMIN, at=T1, user_id=bob),
        MemberRemoved(team_id=team.id, actor_id=ADMIN, at=T1, user_id=ann),
    ]
    assert team.version == 4


def test_refused_membership_changes_record_nothing() -> None:
    team = _team()
    ann = uuid.uuid4()
    team.add_member(ann, by=ADMIN, at=T1)
    team.pull_events()
    with pytest.raises(AlreadyATeamMember):
        team.add_member(ann, by=ADMIN, at=T1)
    with pytest.raises(NotATeamMember):
        team.remove_member(uuid.uuid4(), by=ADMIN, at=T1)
    assert team.events == []


def test_deleting_and_republishing_a_team() -> None:
    team = _team()
    team.mark_deleted(T1, by=ADMIN)
    team.republish(T1)
    assert team.pull_events() == [
        TeamDeleted(team_id=team.id, actor_id=ADMIN, at=T1),
        TeamRepublished(team_id=team.id, actor_id=None, at=T1),
    ]
    assert team.version == 2


def test_recorded_events_do_not_make_two_aggregates_differ() -> None:
    """Equality is about state: a freshly loaded copy equals the one that recorded events."""
    team = _team()
    twin = replace(team, events=[])
    team.republish(T1)
    assert team.events
    assert team == twin
