"""Repositories and unit of work of users against real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from taskhive_shared.events.contracts import ContractViolation
from taskhive_shared.ids import uuid7
from users_service.application.ports import ProfilePosition, ProfileSearch, TeamSearch
from users_service.domain.errors import StaleVersion, TeamNameTaken
from users_service.domain.model import (
    Membership,
    NotificationType,
    Profile,
    ProfileChanges,
    Role,
    Team,
)


def _profile(prefix: str = "p", **overrides: object) -> Profile:
    name = f"{prefix}{uuid.uuid4().hex[:10]}"
    fields: dict[str, object] = {
        "user_id": uuid7(),
        "username": name,
        "email": f"{name}@example.org",
        "first_name": "First",
        "last_name": "Last",
        "role": Role.MEMBER,
        "at": datetime.now(UTC),
    }
    fields.update(overrides)
    return Profile.register(**fields)  # type: ignore[arg-type]


def _team(name: str | None = None) -> Team:
    return Team.create(
        team_id=uuid7(),
        name=name or f"team-{uuid.uuid4().hex[:10]}",
        description="",
        created_by=uuid7(),
        at=datetime.now(UTC),
    )


@pytest.fixture
def uow(users_runtime):
    return users_runtime.unit_of_work


def _add(uow, *profiles: Profile) -> None:
    with uow() as unit:
        for profile in profiles:
            assert unit.profiles.add_if_absent(profile)
        unit.commit()


def test_profile_round_trip_is_exact_and_utc(uow) -> None:
    profile = _profile()
    profile.notification_preferences[NotificationType.TASK_OVERDUE] = False
    _add(uow, profile)
    with uow() as unit:
        loaded = unit.profiles.get(profile.id)
    assert loaded == profile
    assert loaded is not None
    assert loaded.created_at.utcoffset() == timedelta(0)


def test_add_if_absent_never_overwrites(uow) -> None:
    profile = _profile()
    _add(uow, profile)
    twin = _profile(user_id=profile.id, first_name="Other")
    with uow() as unit:
        assert unit.profiles.add_if_absent(twin) is False
        unit.commit()
    with uow() as unit:
        assert unit.profiles.get(profile.id).first_name == "First"


def test_save_is_conditional_on_the_version(uow) -> None:
    profile = _profile()
    _add(uow, profile)
    with uow() as unit:
        loaded = unit.profiles.get(profile.id)
        loaded.apply(ProfileChanges(first_name="Second"), datetime.now(UTC))
        unit.profiles.save(loaded, expected_version=1)
        unit.commit()
    with uow() as unit:
        stale = unit.profiles.get(profile.id)
        stale.apply(ProfileChanges(first_name="Third"), datetime.now(UTC))
        with pytest.raises(StaleVersion) as raised:
            unit.profiles.save(stale, expected_version=1)
        assert raised.value.current_version == 2
    with uow() as unit:
        assert unit.profiles.get(profile.id).first_name == "Second"


def test_two_concurrent_writers_of_one_version_cannot_both_win(uow) -> None:
    """Both read version 1; the second UPDATE ... WHERE version = 1 finds nothing to update."""
    profile = _profile()
    _add(uow, profile)
    with uow() as first, uow() as second:
        mine, theirs = first.profiles.get(profile.id), second.profiles.get(profile.id)
        mine.apply(ProfileChanges(first_name="Mine"), datetime.now(UTC))
        theirs.apply(ProfileChanges(last_name="Theirs"), datetime.now(UTC))
        first.profiles.save(mine, expected_version=1)
        first.commit()
        with pytest.raises(StaleVersion):
            second.profiles.save(theirs, expected_version=1)
    with uow() as unit:
        stored = unit.profiles.get(profile.id)
    assert (stored.first_name, stored.last_name, stored.version) == ("Mine", "Last", 2)


def test_leaving_without_commit_writes_nothing(uow, admin_engine) -> None:
    profile = _profile()
    with uow() as unit:
        unit.profiles.add_if_absent(profile)
        unit.outbox.add_event(
            "users.team.created.v1",
            str(profile.id),
            {
                "team_id": str(profile.id),
                "name": "x",
                "description": "",
                "member_ids": [],
                "created_by": str(profile.id),
                "version": 1,
                "updated_at": datetime.now(UTC).isoformat(),
            },
        )
    with uow() as unit:
        assert unit.profiles.get(profile.id) is None
    with admin_engine.connect() as connection:
        leftover = connection.execute(
            sa.text("SELECT count(*) FROM users.outbox WHERE subject = :s"), {"s": str(profile.id)}
        ).scalar_one()
    assert leftover == 0


def test_an_event_breaking_its_contract_is_refused(uow) -> None:
    with uow() as unit, pytest.raises(ContractViolation):
        unit.outbox.add_event("users.user.updated.v1", "x", {"user_id": "x"})


def test_search_orders_by_lowercase_username_then_id_and_pages_stably(uow) -> None:
    prefix = f"pg{uuid.uuid4().hex[:6]}"
    names = ["bravo", "Alpha", "charlie", "alpha2", "Delta"]
    _add(uow, *(_profile(username=f"{prefix}{n}", email=f"{n}@x.org") for n in names))
    criteria = ProfileSearch(text=prefix)
    pages: list[list[str]] = []
    after = None
    while True:
        with uow() as unit:
            rows = unit.profiles.search(criteria, after, 2)
        if not rows:
            break
        pages.append([p.username.removeprefix(prefix) for p, _ in rows])
        after = rows[-1][1]
        if len(pages) == 1:
            # A row inserted before the cursor's position never shifts the pages after it.
            _add(uow, _profile(username=f"{prefix}aaa", email="aaa@x.org"))
    assert pages == [["Alpha", "alpha2"], ["bravo", "charlie"], ["Delta"]]


def test_search_filters(uow) -> None:
    prefix = f"f{uuid.uuid4().hex[:8]}"
    manager = _profile(username=f"{prefix}boss", role=Role.MANAGER)
    inactive = _profile(username=f"{prefix}gone")
    inactive.is_active = False
    member = _profile(username=f"{prefix}ann", last_name="Searchable")
    _add(uow, manager, inactive, member)
    team = _team()
    with uow() as unit:
        unit.teams.add(team)
        unit.teams.add_member(team.id, Membership(member.id, datetime.now(UTC), manager.id))
        unit.commit()

    def found(**criteria: object) -> set[uuid.UUID]:
        with uow() as unit:
            rows = unit.profiles.search(
                ProfileSearch(text=criteria.pop("text", prefix), **criteria), None, 100
            )
        return {p.id for p, _ in rows}

    assert found(role=Role.MANAGER) == {manager.id}
    assert found(is_active=False) == {inactive.id}
    assert found(team_id=team.id) == {member.id}
    assert found(text="SEARCHABLE") >= {member.id}
    assert found(text=member.email.upper()) == set()
    assert found(text=member.email.upper(), include_email_in_text=True) == {member.id}


def test_like_wildcards_in_q_are_literal(uow) -> None:
    _add(uow, _profile(username=f"wild{uuid.uuid4().hex[:6]}"))
    with uow() as unit:
        assert unit.profiles.search(ProfileSearch(text="%"), None, 5) == []
        assert unit.profiles.search(ProfileSearch(text="_"), None, 5) == []


def test_position_compares_in_the_database_collation(uow) -> None:
    profile = _profile(username=f"ÉCOLE{uuid.uuid4().hex[:6]}")
    _add(uow, profile)
    with uow() as unit:
        [(found, position)] = unit.profiles.search(ProfileSearch(text=profile.username), None, 5)
        assert found.id == profile.id
        after = unit.profiles.search(
            ProfileSearch(text=profile.username),
            ProfilePosition(position.username_key, found.id),
            5,
        )
    assert after == []


def test_teams_names_are_unique_in_any_case_even_under_a_race(uow) -> None:
    name = f"Race-{uuid.uuid4().hex[:8]}"
    with uow() as first, uow() as second:
        assert not second.teams.name_taken(name.upper())
        first.teams.add(_team(name))
        first.commit()
        with pytest.raises(TeamNameTaken):
            second.teams.add(_team(name.upper()))


def test_team_round_trip_with_members_and_conditional_writes(uow) -> None:
    a, b = _profile(), _profile()
    _add(uow, a, b)
    team = _team()
    now = datetime.now(UTC)
    with uow() as unit:
        unit.teams.add(team)
        unit.commit()
    with uow() as unit:
        locked = unit.teams.get_for_update(team.id)
        locked.add_member(a.id, by=b.id, at=now)
        unit.teams.save(locked, expected_version=1)
        unit.teams.add_member(team.id, locked.members[0])
        unit.commit()
    with uow() as unit:
        loaded = unit.teams.get(team.id)
        assert loaded.member_ids == [a.id]
        assert loaded.version == 2
        assert unit.teams.team_ids_of([a.id, b.id]) == {a.id: [team.id]}
        assert unit.profiles.usernames([a.id]) == {a.id: a.username}
        with pytest.raises(StaleVersion):
            unit.teams.save(loaded, expected_version=1)
    with uow() as unit:
        with pytest.raises(StaleVersion):
            unit.teams.delete(team.id, expected_version=1)
        unit.teams.delete(team.id, expected_version=2)
        unit.commit()
    with uow() as unit:
        assert unit.teams.get(team.id) is None
        assert unit.teams.team_ids_of([a.id]) == {}


def test_team_search_and_batches(uow) -> None:
    prefix = f"S{uuid.uuid4().hex[:6]}"
    teams = [_team(f"{prefix}-{suffix}") for suffix in ("b", "A", "c")]
    with uow() as unit:
        for team in teams:
            unit.teams.add(team)
        unit.commit()
    with uow() as unit:
        rows = unit.teams.search(TeamSearch(text=prefix.lower()), None, 2)
        assert [t.name for t, _ in rows] == [f"{prefix}-A", f"{prefix}-b"]
        rest = unit.teams.search(TeamSearch(text=prefix), rows[-1][1], 2)
        assert [t.name for t, _ in rest] == [f"{prefix}-c"]
        batch = unit.teams.batch_after(None, 1000)
        assert {t.id for t in teams} <= {t.id for t in batch}
        assert [t.id for t in batch] == sorted(t.id for t in batch)
