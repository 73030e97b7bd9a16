"""CreateProfileFromRegistration and UpdateProfile against fakes at the ports."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from users_unit_fakes import UsersHarness

from users_service.application.create_profile import CreateProfileFromRegistration
from users_service.application.integration import USER_CREATED, USER_DEACTIVATED, USER_UPDATED
from users_service.application.update_profile import UpdateProfile
from users_service.domain.errors import (
    AccountDeactivated,
    PermissionDenied,
    ProfileNotFound,
    SelfLockout,
    StaleVersion,
    ValidationFailed,
)
from users_service.domain.model import ProfileChanges, Role


def _registration(user_id: uuid.UUID, **overrides: object) -> CreateProfileFromRegistration:
    fields: dict[str, object] = {
        "user_id": user_id,
        "username": "ann",
        "email": "ann@example.org",
        "first_name": "Ann",
        "last_name": "Lee",
        "role": Role.MANAGER,
        "causation_id": "event-1",
    }
    fields.update(overrides)
    return CreateProfileFromRegistration(**fields)  # type: ignore[arg-type]


def test_registration_creates_the_profile_and_announces_it(harness: UsersHarness) -> None:
    user_id = uuid.uuid4()
    with harness.uow() as uow:
        assert harness.create_profile(_registration(user_id), uow) is True
        uow.commit()
    profile = harness.store.profile(user_id)
    assert (profile.username, profile.role, profile.first_name) == ("ann", Role.MANAGER, "Ann")
    [event] = harness.store.events
    assert event.type == USER_CREATED
    assert event.subject == str(user_id)
    assert event.causation_id == "event-1"
    assert event.data["user_id"] == str(user_id)
    assert event.data["display_name"] == "Ann Lee"
    assert event.data["team_ids"] == []
    assert event.data["version"] == 1


def test_registration_of_an_existing_profile_does_nothing(harness: UsersHarness) -> None:
    user_id = harness.register("ann")
    with harness.uow() as uow:
        assert harness.create_profile(_registration(user_id, first_name="Other"), uow) is False
        uow.commit()
    assert harness.store.profile(user_id).first_name == ""
    assert harness.store.event_types() == [USER_CREATED]


def test_the_registration_handler_leaves_committing_to_its_caller(harness: UsersHarness) -> None:
    user_id = uuid.uuid4()
    with harness.uow() as uow:
        harness.create_profile(_registration(user_id), uow)
    assert harness.store.state.profiles == {}
    assert harness.store.events == []


def test_from_event_data_reads_the_registered_contract() -> None:
    user_id = uuid.uuid4()
    command = CreateProfileFromRegistration.from_event_data(
        {
            "user_id": str(user_id),
            "email": "a@example.org",
            "username": "ann",
            "first_name": "Ann",
            "last_name": "",
            "role": "admin",
            "registered_at": "2025-01-15T09:30:00+00:00",
        },
        causation_id="c",
    )
    assert (command.user_id, command.role, command.causation_id) == (user_id, Role.ADMIN, "c")


def test_a_member_edits_their_own_profile(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    harness.clock.advance(timedelta(minutes=1))
    view = harness.update_profile(
        UpdateProfile(
            actor_id=ann,
            user_id=ann,
            changes=ProfileChanges(
                first_name="Ann",
                timezone="Europe/Paris",
                notification_preferences={"daily_summary": False},
            ),
        )
    )
    assert view.version == 2
    assert view.timezone == "Europe/Paris"
    assert view.notification_preferences["daily_summary"] is False
    assert view.email == "ann@example.org"
    stored = harness.store.profile(ann)
    assert stored.version == 2
    assert stored.updated_at == harness.clock.now()
    assert harness.store.event_types() == [USER_CREATED, USER_UPDATED]
    updated = harness.store.events[-1].data
    assert updated["timezone"] == "Europe/Paris"
    assert updated["notification_preferences"]["daily_summary"] is False
    assert updated["version"] == 2


def test_an_unchanged_profile_is_neither_written_nor_announced(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    commits = harness.store.commits
    view = harness.update_profile(
        UpdateProfile(actor_id=ann, user_id=ann, changes=ProfileChanges(timezone="UTC"))
    )
    assert view.version == 1
    assert harness.store.commits == commits
    assert harness.store.event_types() == [USER_CREATED]


@pytest.mark.parametrize("actor_role", [Role.MEMBER, Role.MANAGER])
def test_only_admins_edit_someone_else(harness: UsersHarness, actor_role: Role) -> None:
    actor = harness.register("actor", role=actor_role)
    target = harness.register("target")
    with pytest.raises(PermissionDenied):
        harness.update_profile(
            UpdateProfile(actor_id=actor, user_id=target, changes=ProfileChanges(first_name="X"))
        )
    assert harness.store.profile(target).version == 1
    assert harness.store.event_types() == [USER_CREATED, USER_CREATED]


def test_a_member_cannot_promote_themselves(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    with pytest.raises(PermissionDenied):
        harness.update_profile(
            UpdateProfile(actor_id=ann, user_id=ann, changes=ProfileChanges(role=Role.ADMIN))
        )
    assert harness.store.profile(ann).role is Role.MEMBER


def test_a_caller_without_a_profile_is_a_member(harness: UsersHarness) -> None:
    target = harness.register("target")
    with pytest.raises(PermissionDenied):
        harness.update_profile(
            UpdateProfile(
                actor_id=uuid.uuid4(), user_id=target, changes=ProfileChanges(is_active=False)
            )
        )


def test_an_admin_deactivates_a_user(harness: UsersHarness) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    bob = harness.register("bob")
    view = harness.update_profile(
        UpdateProfile(actor_id=admin, user_id=bob, changes=ProfileChanges(is_active=False))
    )
    assert view.is_active is False
    assert harness.store.event_types()[-2:] == [USER_UPDATED, USER_DEACTIVATED]
    deactivated = harness.store.events[-1]
    assert deactivated.subject == str(bob)
    assert deactivated.data == {
        "user_id": str(bob),
        "deactivated_by": str(admin),
        "deactivated_at": harness.clock.now().isoformat(),
        "version": 2,
    }


def test_reactivation_is_an_update_only(harness: UsersHarness) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    bob = harness.register("bob")
    for active in (False, True):
        harness.update_profile(
            UpdateProfile(actor_id=admin, user_id=bob, changes=ProfileChanges(is_active=active))
        )
    assert harness.store.event_types()[-3:] == [USER_UPDATED, USER_DEACTIVATED, USER_UPDATED]
    assert harness.store.events[-1].data["is_active"] is True
    assert harness.store.events[-1].data["version"] == 3


def test_an_admin_changes_roles(harness: UsersHarness) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    bob = harness.register("bob")
    view = harness.update_profile(
        UpdateProfile(actor_id=admin, user_id=bob, changes=ProfileChanges(role=Role.MANAGER))
    )
    assert view.role == "manager"
    assert harness.store.events[-1].data["role"] == "manager"


@pytest.mark.parametrize(
    "changes", [ProfileChanges(is_active=False), ProfileChanges(role=Role.MANAGER)]
)
def test_an_admin_cannot_lock_themselves_out(
    harness: UsersHarness, changes: ProfileChanges
) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    with pytest.raises(SelfLockout):
        harness.update_profile(UpdateProfile(actor_id=admin, user_id=admin, changes=changes))
    assert harness.store.profile(admin).role is Role.ADMIN


def test_a_deactivated_caller_can_do_nothing(harness: UsersHarness) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    bob = harness.register("bob")
    harness.update_profile(
        UpdateProfile(actor_id=admin, user_id=bob, changes=ProfileChanges(is_active=False))
    )
    with pytest.raises(AccountDeactivated):
        harness.update_profile(
            UpdateProfile(actor_id=bob, user_id=bob, changes=ProfileChanges(first_name="B"))
        )
    with pytest.raises(AccountDeactivated):
        harness.users.get(bob, admin)


def test_if_match_on_an_older_version_is_refused(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    harness.update_profile(
        UpdateProfile(actor_id=ann, user_id=ann, changes=ProfileChanges(first_name="A"))
    )
    with pytest.raises(StaleVersion) as raised:
        harness.update_profile(
            UpdateProfile(
                actor_id=ann,
                user_id=ann,
                changes=ProfileChanges(first_name="B"),
                expected_version=1,
            )
        )
    assert raised.value.current_version == 2
    assert harness.store.profile(ann).first_name == "A"


def test_if_match_on_the_current_version_is_accepted(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    view = harness.update_profile(
        UpdateProfile(
            actor_id=ann, user_id=ann, changes=ProfileChanges(last_name="L"), expected_version=1
        )
    )
    assert view.version == 2


def test_unknown_profile(harness: UsersHarness) -> None:
    admin = harness.register("root", role=Role.ADMIN)
    with pytest.raises(ProfileNotFound):
        harness.update_profile(
            UpdateProfile(actor_id=admin, user_id=uuid.uuid4(), changes=ProfileChanges())
        )


def test_invalid_changes_write_nothing(harness: UsersHarness) -> None:
    ann = harness.register("ann")
    with pytest.raises(ValidationFailed):
        harness.update_profile(
            UpdateProfile(
                actor_id=ann,
                user_id=ann,
                changes=ProfileChanges(first_name="Fine", timezone="Not/AZone"),
            )
        )
    assert harness.store.profile(ann).first_name == ""
    assert harness.store.event_types() == [USER_CREATED]


def test_updated_events_carry_the_users_teams(harness: UsersHarness) -> None:
    from users_service.application.create_team import CreateTeam
    from users_service.application.team_members import AddTeamMember

    manager = harness.register("boss", role=Role.MANAGER)
    ann = harness.register("ann")
    team = harness.create_team(
        CreateTeam(actor_id=manager, name="Core"), present=lambda view: {"id": str(view.id)}
    )
    team_id = uuid.UUID(team.response.body["id"])
    harness.add_member(AddTeamMember(actor_id=manager, team_id=team_id, user_id=ann))
    view = harness.update_profile(
        UpdateProfile(actor_id=ann, user_id=ann, changes=ProfileChanges(first_name="Ann"))
    )
    assert view.team_ids == [team_id]
    assert harness.store.events[-1].data["team_ids"] == [str(team_id)]
