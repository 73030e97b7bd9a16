"""Profile and Team rules: validation, versions, preferences, memberships."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from users_service.domain.errors import AlreadyATeamMember, NotATeamMember, ValidationFailed
from users_service.domain.model import (
    NotificationType,
    Profile,
    ProfileChanges,
    Role,
    Team,
    is_valid_timezone,
)

T0 = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def _profile(**overrides: object) -> Profile:
    fields: dict[str, object] = {
        "user_id": uuid.uuid4(),
        "username": "ann",
        "email": "ann@example.org",
        "first_name": "Ann",
        "last_name": "Lee",
        "role": Role.MEMBER,
        "at": T0,
    }
    fields.update(overrides)
    return Profile.register(**fields)  # type: ignore[arg-type]


def test_a_registered_profile_is_active_in_utc_with_every_notification_on() -> None:
    profile = _profile(role=Role.MANAGER)
    assert profile.is_active
    assert profile.role is Role.MANAGER
    assert profile.timezone == "UTC"
    assert profile.version == 1
    assert profile.created_at == profile.updated_at == T0
    assert profile.notification_preferences == dict.fromkeys(NotificationType, True)
    assert len(profile.notification_preferences) == 8


def test_registration_sanitises_names_instead_of_refusing_them() -> None:
    profile = _profile(first_name="  Ann\x00\x07 ", last_name="L" * 150)
    assert profile.first_name == "Ann"
    assert profile.last_name == "L" * 100


@pytest.mark.parametrize(
    ("first", "last", "username", "expected"),
    [("Ann", "Lee", "ann", "Ann Lee"), ("", "Lee", "ann", "Lee"), ("", "", "ann", "ann")],
)
def test_display_name(first: str, last: str, username: str, expected: str) -> None:
    assert _profile(first_name=first, last_name=last, username=username).display_name == expected


def test_apply_changes_fields_and_bumps_the_version_once() -> None:
    profile = _profile()
    changed = profile.apply(
        ProfileChanges(first_name=" Anna ", timezone="Europe/Paris", role=Role.ADMIN), T1
    )
    assert changed == {"first_name", "timezone", "role"}
    assert (profile.first_name, profile.timezone, profile.role) == ("Anna", "Europe/Paris", "admin")
    assert profile.version == 2
    assert profile.updated_at == T1


def test_apply_with_equal_values_changes_nothing_not_even_the_version() -> None:
    profile = _profile()
    changed = profile.apply(
        ProfileChanges(first_name="Ann", timezone="UTC", notification_preferences={}), T1
    )
    assert changed == frozenset()
    assert profile.version == 1
    assert profile.updated_at == T0


def test_notification_preferences_merge_into_the_current_ones() -> None:
    profile = _profile()
    profile.apply(ProfileChanges(notification_preferences={"daily_summary": False}), T1)
    profile.apply(ProfileChanges(notification_preferences={"task_overdue": False}), T1)
    off = {kind for kind, enabled in profile.notification_preferences.items() if not enabled}
    assert off == {NotificationType.DAILY_SUMMARY, NotificationType.TASK_OVERDUE}
    assert profile.version == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (ProfileChanges(timezone="Mars/Olympus"), "timezone"),
        (ProfileChanges(timezone="../../etc/passwd"), "timezone"),
        (ProfileChanges(first_name="x" * 101), "first_name"),
        (ProfileChanges(last_name="tab\tin\x1bname"), "last_name"),
        (
            ProfileChanges(notification_preferences={"sms_spam": True}),
            "notification_preferences.sms_spam",
        ),
        (
            ProfileChanges(notification_preferences={"daily_summary": "no"}),
            "notification_preferences.daily_summary",
        ),
    ],
)
def test_invalid_changes_are_refused_whole(changes: ProfileChanges, field: str) -> None:
    profile = _profile()
    before = (profile.first_name, profile.timezone, dict(profile.notification_preferences))
    with pytest.raises(ValidationFailed) as raised:
        profile.apply(
            ProfileChanges(
                first_name=changes.first_name or "Changed",
                last_name=changes.last_name,
                timezone=changes.timezone,
                notification_preferences=changes.notification_preferences,
            ),
            T1,
        )
    assert field in raised.value.errors
    assert (profile.first_name, profile.timezone, dict(profile.notification_preferences)) == before
    assert profile.version == 1


def test_every_error_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as raised:
        _profile().apply(ProfileChanges(first_name="x" * 101, timezone="Nowhere"), T1)
    assert set(raised.value.errors) == {"first_name", "timezone"}


@pytest.mark.parametrize("name", ["UTC", "Europe/Paris", "America/Argentina/Buenos_Aires"])
def test_iana_zone_names_are_valid(name: str) -> None:
    assert is_valid_timezone(name)


@pytest.mark.parametrize("name", ["", "utc ", "Europe/Atlantis", "/etc/localtime", "EST5EDT/x"])
def test_other_zone_names_are_not(name: str) -> None:
    assert not is_valid_timezone(name)


def _team(name: str = "Platform", description: str = "") -> Team:
    return Team.create(
        team_id=uuid.uuid4(), name=name, description=description, created_by=uuid.uuid4(), at=T0
    )


def test_a_new_team_is_version_one_without_members() -> None:
    team = _team("  Platform  ", "Line one\nline two")
    assert team.name == "Platform"
    assert team.description == "Line one\nline two"
    assert team.version == 1
    assert team.member_ids == []


@pytest.mark.parametrize(
    ("name", "description", "field"),
    [
        ("", "", "name"),
        ("   ", "", "name"),
        ("x" * 101, "", "name"),
        ("Ok", "d" * 2001, "description"),
        ("bell\x07", "", "name"),
        ("Ok", "nul\x00", "description"),
    ],
)
def test_team_fields_are_validated(name: str, description: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        _team(name, description)
    assert field in raised.value.errors


def test_team_update_bumps_the_version_only_on_a_real_change() -> None:
    team = _team()
    assert not team.update(name="Platform", description=None, at=T1)
    assert team.version == 1
    assert team.update(name="Core", description="The core team", at=T1)
    assert (team.name, team.description, team.version, team.updated_at) == (
        "Core",
        "The core team",
        2,
        T1,
    )


def test_members_join_and_leave_with_a_new_version_each_time() -> None:
    team = _team()
    user, admin = uuid.uuid4(), uuid.uuid4()
    membership = team.add_member(user, by=admin, at=T1)
    assert (membership.user_id, membership.added_by, membership.added_at) == (user, admin, T1)
    assert team.member_ids == [user]
    assert team.version == 2
    with pytest.raises(AlreadyATeamMember):
        team.add_member(user, by=admin, at=T1)
    team.remove_member(user, at=T1)
    assert team.member_ids == []
    assert team.version == 3
    with pytest.raises(NotATeamMember):
        team.remove_member(user, at=T1)
    assert team.version == 3


def test_deleting_gives_a_last_version() -> None:
    team = _team()
    team.mark_deleted(T1)
    assert team.version == 2
    assert team.updated_at == T1
