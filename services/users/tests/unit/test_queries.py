"""The directory, `me` and teams reads: privacy, search, keyset pages, cursors."""

from __future__ import annotations

import uuid

import pytest
from users_unit_fakes import UsersHarness

from taskhive_shared.pagination import encode_cursor
from users_service.application.create_team import CreateTeam
from users_service.application.queries import ListTeams, ListUsers
from users_service.application.team_members import AddTeamMember
from users_service.application.update_profile import UpdateProfile
from users_service.domain.errors import ProfileNotFound, TeamNotFound, ValidationFailed
from users_service.domain.model import ProfileChanges, Role


@pytest.fixture
def people(harness: UsersHarness) -> dict[str, uuid.UUID]:
    return {
        "admin": harness.register("root", role=Role.ADMIN, email="root@corp.example"),
        "manager": harness.register("boss", role=Role.MANAGER, email="boss@corp.example"),
        "ann": harness.register("ann", first_name="Ann", email="ann@secret.example"),
        "bob": harness.register("Bob", last_name="Builder", email="bob@secret.example"),
    }


@pytest.mark.parametrize(
    ("viewer", "sees_email"), [("ann", True), ("bob", False), ("manager", True), ("admin", True)]
)
def test_emails_are_shown_to_their_owner_and_to_staff_only(
    harness: UsersHarness, people: dict[str, uuid.UUID], viewer: str, sees_email: bool
) -> None:
    view = harness.users.get(people[viewer], people["ann"])
    assert view.username == "ann"
    assert view.email == ("ann@secret.example" if sees_email else None)


def test_privacy_applies_to_lists_too(harness: UsersHarness, people: dict[str, uuid.UUID]) -> None:
    page = harness.users.list(ListUsers(actor_id=people["bob"]))
    emails = {view.username: view.email for view in page.items}
    assert emails == {"ann": None, "Bob": "bob@secret.example", "boss": None, "root": None}


def test_me_is_the_callers_profile_or_not_found(
    harness: UsersHarness, people: dict[str, uuid.UUID]
) -> None:
    assert harness.users.me(people["ann"]).id == people["ann"]
    with pytest.raises(ProfileNotFound):
        harness.users.me(uuid.uuid4())


def test_unknown_user(harness: UsersHarness, people: dict[str, uuid.UUID]) -> None:
    with pytest.raises(ProfileNotFound):
        harness.users.get(people["ann"], uuid.uuid4())


def test_a_caller_without_a_profile_may_read_the_directory(
    harness: UsersHarness, people: dict[str, uuid.UUID]
) -> None:
    page = harness.users.list(ListUsers(actor_id=uuid.uuid4()))
    assert len(page.items) == 4
    assert all(view.email is None for view in page.items)


def test_pages_follow_lowercase_username_order(
    harness: UsersHarness, people: dict[str, uuid.UUID]
) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = harness.users.list(ListUsers(actor_id=people["ann"], limit=2, cursor=cursor))
        seen += [view.username for view in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == ["ann", "Bob", "boss", "root"]
    assert cursor is None


def test_the_last_full_page_has_no_next_cursor(
    harness: UsersHarness, people: dict[str, uuid.UUID]
) -> None:
    page = harness.users.list(ListUsers(actor_id=people["ann"], limit=4))
    assert len(page.items) == 4
    assert page.next_cursor is None


@pytest.mark.parametrize(
    ("viewer", "q", "expected"),
    [
        ("ann", "BUILD", {"Bob"}),
        ("ann", "secret.example", set()),
        ("manager", "secret.example", {"ann", "Bob"}),
        ("admin", "ROOT@", {"root"}),
        ("ann", "  ", {"ann", "Bob", "boss", "root"}),
    ],
)
def test_q_searches_names_and_only_staff_search_emails(
    harness: UsersHarness, people: dict[str, uuid.UUID], viewer: str, q: str, expected: set[str]
) -> None:
    page = harness.users.list(ListUsers(actor_id=people[viewer], q=q))
    assert {view.username for view in page.items} == expected


def test_filters(harness: UsersHarness, people: dict[str, uuid.UUID]) -> None:
    admin = people["admin"]
    harness.update_profile(
        UpdateProfile(
            actor_id=admin, user_id=people["bob"], changes=ProfileChanges(is_active=False)
        )
    )
    team = harness.create_team(
        CreateTeam(actor_id=admin, name="Core"), present=lambda view: {"id": str(view.id)}
    )
    team_id = uuid.UUID(team.response.body["id"])
    harness.add_member(AddTeamMember(actor_id=admin, team_id=team_id, user_id=people["ann"]))

    def names(**filters: object) -> set[str]:
        page = harness.users.list(ListUsers(actor_id=admin, **filters))  # type: ignore[arg-type]
        return {view.username for view in page.items}

    assert names(role=Role.MANAGER) == {"boss"}
    assert names(is_active=False) == {"Bob"}
    assert names(team_id=team_id) == {"ann"}
    assert names(team_id=uuid.uuid4()) == set()
    ann = harness.users.get(admin, people["ann"])
    assert ann.team_ids == [team_id]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        encode_cursor({"name": "x", "id": str(uuid.uuid4())}),
        encode_cursor({"username": 5, "id": str(uuid.uuid4())}),
        encode_cursor({"username": "x", "id": "not-a-uuid"}),
        encode_cursor({"username": "x", "id": str(uuid.uuid4()), "extra": 1}),
    ],
)
def test_a_tampered_cursor_is_a_validation_error(
    harness: UsersHarness, people: dict[str, uuid.UUID], cursor: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        harness.users.list(ListUsers(actor_id=people["ann"], cursor=cursor))
    assert "cursor" in raised.value.errors


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_limits_outside_1_to_100_are_refused(
    harness: UsersHarness, people: dict[str, uuid.UUID], limit: int
) -> None:
    with pytest.raises(ValidationFailed):
        harness.users.list(ListUsers(actor_id=people["ann"], limit=limit))
    with pytest.raises(ValidationFailed):
        harness.teams.list(ListTeams(actor_id=people["ann"], limit=limit))


def test_teams_are_listed_by_name_with_members(
    harness: UsersHarness, people: dict[str, uuid.UUID]
) -> None:
    boss = people["manager"]
    ids = {}
    for name in ("beta", "Alpha", "gamma"):
        created = harness.create_team(
            CreateTeam(actor_id=boss, name=name), present=lambda view: {"id": str(view.id)}
        )
        ids[name] = uuid.UUID(created.response.body["id"])
    harness.add_member(AddTeamMember(actor_id=boss, team_id=ids["beta"], user_id=people["ann"]))

    first = harness.teams.list(ListTeams(actor_id=people["ann"], limit=2))
    assert [team.name for team in first.items] == ["Alpha", "beta"]
    assert first.items[1].members[0].username == "ann"
    rest = harness.teams.list(ListTeams(actor_id=people["ann"], cursor=first.next_cursor))
    assert [team.name for team in rest.items] == ["gamma"]
    assert rest.next_cursor is None
    mine = harness.teams.list(ListTeams(actor_id=people["ann"], member_id=people["ann"]))
    assert [team.name for team in mine.items] == ["beta"]
    searched = harness.teams.list(ListTeams(actor_id=people["ann"], q="MM"))
    assert [team.name for team in searched.items] == ["gamma"]
    with pytest.raises(ValidationFailed):
        harness.teams.list(ListTeams(actor_id=people["ann"], cursor=first.next_cursor and "x"))
    # A users cursor is not a teams cursor.
    users_cursor = harness.users.list(ListUsers(actor_id=boss, limit=1)).next_cursor
    with pytest.raises(ValidationFailed):
        harness.teams.list(ListTeams(actor_id=boss, cursor=users_cursor))


def test_unknown_team(harness: UsersHarness, people: dict[str, uuid.UUID]) -> None:
    with pytest.raises(TeamNotFound):
        harness.teams.get(people["ann"], uuid.uuid4())
