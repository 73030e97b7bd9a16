"""Who may change what, who sees emails: the rules of DESIGN §5 for users."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from users_service.domain.errors import AccountDeactivated, PermissionDenied, SelfLockout
from users_service.domain.model import Profile, ProfileChanges, Role
from users_service.domain.permissions import (
    Actor,
    check_may_manage_teams,
    check_may_update_profile,
    ensure_active,
    may_search_by_email,
    may_see_email,
)

NOW = datetime(2025, 1, 15, tzinfo=UTC)


def _profile(role: Role = Role.MEMBER, *, active: bool = True) -> Profile:
    profile = Profile.register(
        user_id=uuid.uuid4(),
        username="someone",
        email="someone@example.org",
        first_name="",
        last_name="",
        role=role,
        at=NOW,
    )
    profile.is_active = active
    return profile


def _actor(role: Role, profile: Profile | None = None) -> Actor:
    return Actor(user_id=profile.id if profile else uuid.uuid4(), role=role)


def test_a_caller_without_a_profile_is_an_active_member() -> None:
    actor = Actor.of(uuid.uuid4(), None)
    assert actor.role is Role.MEMBER
    assert actor.is_active


def test_the_role_comes_from_the_profile() -> None:
    profile = _profile(Role.MANAGER, active=False)
    actor = Actor.of(profile.id, profile)
    assert (actor.role, actor.is_active) == (Role.MANAGER, False)
    with pytest.raises(AccountDeactivated):
        ensure_active(actor)


@pytest.mark.parametrize(
    ("role", "own", "sees"),
    [
        (Role.MEMBER, True, True),
        (Role.MEMBER, False, False),
        (Role.MANAGER, False, True),
        (Role.ADMIN, False, True),
    ],
)
def test_email_privacy(role: Role, own: bool, sees: bool) -> None:
    target = _profile()
    actor = _actor(role, target if own else None)
    assert may_see_email(actor, target.id) is sees


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.MEMBER, False), (Role.MANAGER, True), (Role.ADMIN, True)]
)
def test_searching_by_email_and_managing_teams_need_staff(role: Role, allowed: bool) -> None:
    actor = _actor(role)
    assert may_search_by_email(actor) is allowed
    if allowed:
        check_may_manage_teams(actor)
    else:
        with pytest.raises(PermissionDenied):
            check_may_manage_teams(actor)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER, Role.ADMIN])
def test_anyone_edits_their_own_profile_fields(role: Role) -> None:
    own = _profile(role)
    check_may_update_profile(
        _actor(role, own), own, ProfileChanges(first_name="New", timezone="Europe/Rome")
    )


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER])
def test_non_admins_cannot_edit_someone_else(role: Role) -> None:
    with pytest.raises(PermissionDenied):
        check_may_update_profile(_actor(role), _profile(), ProfileChanges(first_name="x"))


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MANAGER])
@pytest.mark.parametrize(
    "changes",
    [
        ProfileChanges(role=Role.MEMBER),
        ProfileChanges(is_active=True),
        ProfileChanges(role=Role.ADMIN),
    ],
)
def test_non_admins_cannot_set_role_or_status_even_on_themselves(
    role: Role, changes: ProfileChanges
) -> None:
    own = _profile(role)
    with pytest.raises(PermissionDenied):
        check_may_update_profile(_actor(role, own), own, changes)


@pytest.mark.parametrize(
    "changes",
    [
        ProfileChanges(first_name="Renamed"),
        ProfileChanges(role=Role.MANAGER),
        ProfileChanges(is_active=False),
    ],
)
def test_admins_change_anyone(changes: ProfileChanges) -> None:
    check_may_update_profile(_actor(Role.ADMIN), _profile(), changes)


@pytest.mark.parametrize(
    "changes", [ProfileChanges(is_active=False), ProfileChanges(role=Role.MEMBER)]
)
def test_an_admin_cannot_lock_themselves_out(changes: ProfileChanges) -> None:
    own = _profile(Role.ADMIN)
    with pytest.raises(SelfLockout):
        check_may_update_profile(_actor(Role.ADMIN, own), own, changes)


def test_an_admin_may_restate_their_own_role_and_status() -> None:
    own = _profile(Role.ADMIN)
    check_may_update_profile(
        _actor(Role.ADMIN, own), own, ProfileChanges(role=Role.ADMIN, is_active=True)
    )
