"""The one translator (application/recording.py): what each recorded event writes and
publishes, and how the unit of work collects them on commit."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from users_unit_fakes import FakeStore, FakeUnitOfWork, UsersHarness

from taskhive_shared.events.contracts import ContractRegistry
from users_service.application import integration as ie
from users_service.application.recording import record_changes, translate_profile, translate_team
from users_service.domain import events as de
from users_service.domain.errors import StaleVersion
from users_service.domain.model import NotificationType, Profile, ProfileChanges, Role, Team

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
ADMIN = uuid.UUID("01900000-0000-7000-8000-00000000000a")
ANN = uuid.UUID("01900000-0000-7000-8000-0000000000a1")
BOB = uuid.UUID("01900000-0000-7000-8000-0000000000b0")
TEAM = uuid.UUID("01900000-0000-7000-8000-00000000007e")
CONTRACTS = ContractRegistry()


def _ann() -> Profile:
    profile = Profile.register(
        user_id=ANN,
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
    team = Team.create(team_id=TEAM, name="Core", description="Us", created_by=ADMIN, at=T0)
    team.pull_events()
    return team


def _user_data(profile: Profile, team_ids: list[str]) -> dict[str, object]:
    return {
        "user_id": str(ANN),
        "username": "ann",
        "email": "ann@example.org",
        "first_name": profile.first_name,
        "last_name": "Lee",
        "display_name": f"{profile.first_name} Lee",
        "role": "member",
        "is_active": profile.is_active,
        "timezone": "UTC",
        "available": profile.available,
        "team_ids": team_ids,
        "notification_preferences": {kind.value: True for kind in NotificationType},
        "version": profile.version,
        "created_at": T0.isoformat(),
        "updated_at": profile.updated_at.isoformat(),
    }


def test_a_created_profile_is_announced_with_its_whole_replicated_state() -> None:
    profile = _ann()
    event = de.ProfileCreated(user_id=ANN, actor_id=None, at=T0)
    message = translate_profile(profile, event, [])
    assert message == (ie.USER_CREATED, _user_data(profile, []))
    CONTRACTS.validate(*message)


@pytest.mark.parametrize("kind", [de.ProfileUpdated, de.ProfileRepublished])
def test_updates_and_snapshots_of_a_profile_carry_the_same_data(
    kind: type[de.ProfileEvent],
) -> None:
    profile = _ann()
    profile.apply(ProfileChanges(first_name="Anna"), T1, by=ADMIN)
    extra = {"changed": frozenset({"first_name"})} if kind is de.ProfileUpdated else {}
    event = kind(user_id=ANN, actor_id=ADMIN, at=T1, **extra)
    message = translate_profile(profile, event, [TEAM])
    assert message == (ie.USER_UPDATED, _user_data(profile, [str(TEAM)]))
    assert message[1]["version"] == 2
    CONTRACTS.validate(*message)


def test_a_deactivation_names_who_and_when() -> None:
    profile = _ann()
    profile.apply(ProfileChanges(is_active=False), T1, by=ADMIN)
    message = translate_profile(
        profile, de.ProfileDeactivated(user_id=ANN, actor_id=ADMIN, at=T1), []
    )
    assert message == (
        ie.USER_DEACTIVATED,
        {
            "user_id": str(ANN),
            "deactivated_by": str(ADMIN),
            "deactivated_at": T1.isoformat(),
            "version": 2,
        },
    )
    CONTRACTS.validate(*message)


def _team_data(team: Team) -> dict[str, object]:
    return {
        "team_id": str(TEAM),
        "name": team.name,
        "description": team.description,
        "member_ids": [str(member) for member in team.member_ids],
        "created_by": str(ADMIN),
        "version": team.version,
        "updated_at": team.updated_at.isoformat(),
    }


@pytest.mark.parametrize(
    ("event", "event_type"),
    [
        (de.TeamCreated(team_id=TEAM, actor_id=ADMIN, at=T0), ie.TEAM_CREATED),
        (
            de.TeamUpdated(team_id=TEAM, actor_id=ADMIN, at=T0, changed=frozenset({"name"})),
            ie.TEAM_UPDATED,
        ),
        (de.TeamRepublished(team_id=TEAM, actor_id=None, at=T0), ie.TEAM_UPDATED),
    ],
)
def test_team_created_updated_and_snapshots_carry_the_team(
    event: de.TeamEvent, event_type: str
) -> None:
    team = _team()
    message = translate_team(team, event)
    assert message == (event_type, _team_data(team))
    CONTRACTS.validate(*message)


@pytest.mark.parametrize(
    ("kind", "event_type"),
    [(de.MemberAdded, ie.TEAM_MEMBER_ADDED), (de.MemberRemoved, ie.TEAM_MEMBER_REMOVED)],
)
def test_membership_events_carry_the_whole_member_list(
    kind: type[de.MemberAdded | de.MemberRemoved], event_type: str
) -> None:
    team = _team()
    team.add_member(ANN, by=ADMIN, at=T1)
    message = translate_team(team, kind(team_id=TEAM, actor_id=ADMIN, at=T1, user_id=BOB))
    assert message == (
        event_type,
        {
            "team_id": str(TEAM),
            "name": "Core",
            "member_ids": [str(ANN)],
            "version": 2,
            "user_id": str(BOB),
            "changed_by": str(ADMIN),
            "changed_at": T1.isoformat(),
        },
    )
    CONTRACTS.validate(*message)


def test_a_deletion_carries_the_last_version_and_members() -> None:
    team = _team()
    team.add_member(ANN, by=ADMIN, at=T0)
    team.mark_deleted(T1, by=ADMIN)
    message = translate_team(team, de.TeamDeleted(team_id=TEAM, actor_id=ADMIN, at=T1))
    assert message == (
        ie.TEAM_DELETED,
        {
            "team_id": str(TEAM),
            "name": "Core",
            "member_ids": [str(ANN)],
            "version": 3,
            "deleted_by": str(ADMIN),
            "deleted_at": T1.isoformat(),
        },
    )
    CONTRACTS.validate(*message)


def _kinds(base: type) -> list[type]:
    """The event classes of domain/events.py deriving from `base`."""
    return [
        kind
        for kind in vars(de).values()
        if isinstance(kind, type) and issubclass(kind, base) and kind is not base
    ]


def test_every_event_type_is_translated_to_an_emitted_type() -> None:
    """A new domain event without a translation fails here, not on its first commit."""
    profile_kinds = _kinds(de.ProfileEvent)
    team_kinds = _kinds(de.TeamEvent)
    assert len(profile_kinds) == 4
    assert len(team_kinds) == 6
    published: set[str] = set()
    for kind in profile_kinds:
        fields = {"changed": frozenset()} if kind is de.ProfileUpdated else {}
        event = kind(user_id=ANN, actor_id=ADMIN, at=T1, **fields)
        published.add(translate_profile(_ann(), event, [])[0])
    for team_kind in team_kinds:
        if team_kind is de.TeamUpdated:
            team_event: de.TeamEvent = de.TeamUpdated(
                team_id=TEAM, actor_id=ADMIN, at=T1, changed=frozenset()
            )
        elif team_kind in (de.MemberAdded, de.MemberRemoved):
            team_event = team_kind(team_id=TEAM, actor_id=ADMIN, at=T1, user_id=ANN)
        else:
            team_event = team_kind(team_id=TEAM, actor_id=ADMIN, at=T1)
        published.add(translate_team(_team(), team_event)[0])
    assert published == set(ie.EMITTED_TYPES)


@pytest.mark.parametrize(
    "translation",
    [
        lambda: translate_profile(
            _ann(), de.ProfileDeactivated(user_id=ANN, actor_id=None, at=T1), []
        ),
        lambda: translate_team(_team(), de.TeamDeleted(team_id=TEAM, actor_id=None, at=T1)),
        lambda: translate_team(
            _team(), de.MemberRemoved(team_id=TEAM, actor_id=None, at=T1, user_id=ANN)
        ),
    ],
)
def test_events_published_with_their_actor_need_one(translation: object) -> None:
    with pytest.raises(ValueError, match="actor"):
        translation()  # type: ignore[operator]


def test_an_event_without_a_translation_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        translate_profile(_ann(), de.ProfileEvent(user_id=ANN, actor_id=None, at=T0), [])
    with pytest.raises(TypeError):
        translate_team(_team(), de.TeamEvent(team_id=TEAM, actor_id=None, at=T0))


# record_changes, through the fakes' unit of work (which calls it on commit)


def _store_with_ann_and_a_team(harness: UsersHarness) -> tuple[uuid.UUID, uuid.UUID]:
    ann = harness.register("ann")
    with harness.uow() as uow:
        team = Team.create(team_id=uuid.uuid4(), name="Core", description="", created_by=ann, at=T0)
        uow.teams.add(team)
        uow.commit()
    return ann, team.id


def test_one_transaction_writes_every_changed_aggregate_then_publishes_in_order(
    harness: UsersHarness,
) -> None:
    ann, team_id = _store_with_ann_and_a_team(harness)
    before = len(harness.store.events)
    with harness.uow() as uow:
        uow.causation_id = "message-7"
        profile = uow.profiles.get_for_update(ann)
        team = uow.teams.get_for_update(team_id)
        assert profile is not None
        assert team is not None
        team.add_member(ann, by=ann, at=T1)
        profile.apply(ProfileChanges(first_name="Anna"), T1, by=ann)
        uow.commit()
    assert harness.store.profile(ann).first_name == "Anna"
    assert harness.store.team(team_id).member_ids == [ann]
    published = harness.store.events[before:]
    assert [e.type for e in published] == [ie.USER_UPDATED, ie.TEAM_MEMBER_ADDED]
    assert [e.subject for e in published] == [str(ann), str(team_id)]
    assert {e.causation_id for e in published} == {"message-7"}
    # The user's teams are those the transaction leaves: the membership just written.
    assert published[0].data["team_ids"] == [str(team_id)]


def test_aggregates_that_recorded_nothing_write_and_publish_nothing(
    harness: UsersHarness,
) -> None:
    ann, team_id = _store_with_ann_and_a_team(harness)
    before, stored = len(harness.store.events), harness.store.profile(ann)
    with harness.uow() as uow:
        uow.profiles.get_for_update(ann)
        uow.teams.get(team_id)
        uow.profiles.batch_after(None, 10)
        uow.commit()
    assert len(harness.store.events) == before
    assert harness.store.profile(ann) == stored


def test_events_are_collected_once(harness: UsersHarness) -> None:
    ann, _ = _store_with_ann_and_a_team(harness)
    before = len(harness.store.events)
    with harness.uow() as uow:
        profile = uow.profiles.get_for_update(ann)
        assert profile is not None
        profile.apply(ProfileChanges(first_name="Anna"), T1, by=ann)
        uow.commit()
        record_changes(uow)
        profile.apply(ProfileChanges(last_name="Lee"), T1, by=ann)
        uow.commit()  # conditional on the version the first commit saved
    assert [e.data["version"] for e in harness.store.events[before:]] == [2, 3]
    assert harness.store.profile(ann).version == 3


def test_of_two_copies_of_one_profile_the_one_that_changed_is_written(
    harness: UsersHarness,
) -> None:
    """The caller's own profile is read for the actor, then locked for the change."""
    ann = harness.register("ann")
    with harness.uow() as uow:
        actor_copy = uow.profiles.get(ann)
        locked = uow.profiles.get_for_update(ann)
        assert actor_copy is not None
        assert locked is not None
        locked.apply(ProfileChanges(first_name="Anna"), T1, by=ann)
        uow.commit()
    assert harness.store.profile(ann).first_name == "Anna"
    assert harness.store.event_types()[-1] == ie.USER_UPDATED


def test_a_concurrent_writer_makes_the_commit_stale_and_nothing_is_written(
    harness: UsersHarness,
) -> None:
    ann, team_id = _store_with_ann_and_a_team(harness)
    bob = harness.register("bob")
    before = len(harness.store.events)
    with harness.uow() as uow:
        team = uow.teams.get(team_id)
        assert team is not None
        team.add_member(bob, by=ann, at=T1)
        harness.store.state.teams[team_id].version += 1  # another writer committed meanwhile
        with pytest.raises(StaleVersion):
            uow.commit()
    assert harness.store.team(team_id).member_ids == []
    assert len(harness.store.events) == before


def test_a_deleted_team_is_deleted_whatever_else_it_recorded(harness: UsersHarness) -> None:
    ann, team_id = _store_with_ann_and_a_team(harness)
    with harness.uow() as uow:
        team = uow.teams.get_for_update(team_id)
        assert team is not None
        team.update(name="Last name", description=None, at=T1, by=ann)
        team.mark_deleted(T1, by=ann)
        uow.commit()
    assert harness.store.teams == []
    assert harness.store.event_types()[-2:] == [ie.TEAM_UPDATED, ie.TEAM_DELETED]
    assert harness.store.events[-1].data["version"] == 3


def test_stored_rows_hold_no_pending_events() -> None:
    store = FakeStore()
    profile = Profile.register(
        user_id=ANN,
        username="ann",
        email="a@example.org",
        first_name="",
        last_name="",
        role=Role.MEMBER,
        at=T0,
    )
    with FakeUnitOfWork(store) as uow:
        assert uow.profiles.add_if_absent(replace(profile))
        uow.commit()
    with FakeUnitOfWork(store) as uow:
        loaded = uow.profiles.get(ANN)
        assert loaded is not None
        assert loaded.events == []
        uow.commit()
    assert [e.type for e in store.events] == [ie.USER_CREATED]
