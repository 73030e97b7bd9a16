"""TaskQueries: one task, the list (visibility, sorts, filters, keyset cursors), subtasks and
history, over the fake read side."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tasks_unit_fakes import create_task, patch

from tasks_service.application.archive_task import ArchiveTask
from tasks_service.application.ports import SortKey, TaskFilter, Visibility
from tasks_service.application.queries import ListTasks, parse_sort
from tasks_service.domain.errors import AccountDeactivated, TaskNotFound, ValidationFailed


def _ids(page) -> list[uuid.UUID]:
    return [document.id for document in page.items]


def _walk(harness, actor, limit: int, **query) -> list[uuid.UUID]:
    """Every page of a list, following the cursors."""
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(100):
        page = harness.queries.list(ListTasks(actor, limit=limit, cursor=cursor, **query))
        seen += _ids(page)
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor
    raise AssertionError("the cursors never ended")


# One task


def test_a_task_is_read_by_whoever_sees_it(harness) -> None:
    ann, bob, stranger = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob])
    assert harness.queries.get(ann, task_id).id == task_id
    assert harness.queries.get(bob, task_id).fields["title"] == "Task"
    with pytest.raises(TaskNotFound):
        harness.queries.get(stranger, task_id)


def test_an_unknown_task_is_not_found_even_for_an_admin(harness) -> None:
    admin = harness.store.add_user("admin")
    with pytest.raises(TaskNotFound):
        harness.queries.get(admin, uuid.uuid4())


def test_a_deactivated_caller_reads_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    harness.store.deactivate(ann)
    with pytest.raises(AccountDeactivated):
        harness.queries.get(ann, task_id)
    with pytest.raises(AccountDeactivated):
        harness.queries.list(ListTasks(ann))


# Visibility


def test_a_member_lists_own_assigned_and_team_tasks_only(harness) -> None:
    team = uuid.uuid4()
    ann = harness.store.add_user("member", team)
    bob = harness.store.add_user()
    carl = harness.store.add_user("member", team)
    own = create_task(harness, ann)
    assigned = create_task(harness, bob, assignees=[ann])
    team_task = create_task(harness, carl, team_id=team)
    hidden = create_task(harness, bob)
    listed = set(_ids(harness.queries.list(ListTasks(ann))))
    assert listed == {own, assigned, team_task}
    assert hidden not in listed
    assert harness.reader.listings[-1].visible_to == Visibility(ann, (team,))


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_list_every_task(harness, role: str) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    boss = harness.store.add_user(role)
    ids = {create_task(harness, ann), create_task(harness, bob)}
    assert set(_ids(harness.queries.list(ListTasks(boss)))) == ids
    assert harness.reader.listings[-1].visible_to is None


def test_a_members_teams_are_handed_over_in_a_stable_order(harness) -> None:
    teams = [uuid.uuid4() for _ in range(4)]
    ann = harness.store.add_user("member", *teams)
    harness.queries.list(ListTasks(ann))
    assert harness.reader.listings[-1].visible_to == Visibility(ann, tuple(sorted(teams)))


@pytest.mark.parametrize(("archived", "expected"), [("false", "live"), ("true", "old")])
def test_archived_tasks_are_listed_only_when_asked_for(harness, archived, expected) -> None:
    ann = harness.store.add_user()
    tasks = {"live": create_task(harness, ann), "old": create_task(harness, ann)}
    harness.archive(ArchiveTask(actor_id=ann, task_id=tasks["old"]))
    page = harness.queries.list(ListTasks(ann, filter=TaskFilter(archived=archived)))
    assert _ids(page) == [tasks[expected]]
    both = harness.queries.list(ListTasks(ann, filter=TaskFilter(archived="all")))
    assert set(_ids(both)) == set(tasks.values())


# Sorts


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        (" title , -status ", (SortKey("title", False), SortKey("status", True))),
        ("-updated_at", (SortKey("updated_at", True),)),
        (
            "priority,-due_date,created_at",
            (SortKey("priority", False), SortKey("due_date", True), SortKey("created_at", False)),
        ),
    ],
)
def test_a_sort_is_read_from_the_whitelist_with_directions(text: str, keys) -> None:
    assert parse_sort(text, ranked=False) == keys


@pytest.mark.parametrize(
    "text", ["-", "title,", "--title", "id", "Title", "due_date,-due_date", "rank", "title;drop"]
)
def test_a_sort_outside_the_whitelist_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_sort(text, ranked=False)
    assert list(caught.value.errors) == ["sort"]


def test_the_default_order_is_newest_first_or_by_relevance_when_searching(harness) -> None:
    ann = harness.store.add_user()
    first, second = create_task(harness, ann), create_task(harness, ann)
    assert _ids(harness.queries.list(ListTasks(ann))) == [second, first]
    harness.queries.list(ListTasks(ann, filter=TaskFilter(text="  docs ")))
    listing = harness.reader.listings[-1]
    assert (listing.sort, listing.filter.text) == ((SortKey("rank", True),), "docs")


def test_search_results_page_by_relevance_with_cursors(harness) -> None:
    ann = harness.store.add_user()
    best = create_task(harness, ann, title="docs docs", description="docs")
    good = create_task(harness, ann, title="docs")
    fair = create_task(harness, ann, title="other", description="docs")
    create_task(harness, ann, title="unrelated")
    found = _walk(harness, ann, 1, filter=TaskFilter(text="DOCS"))
    assert found == [best, good, fair]


@pytest.mark.parametrize(
    "sort",
    [
        None,
        "title",
        "-title",
        "due_date",
        "-due_date,priority",
        "status,-updated_at",
        "priority,title,-created_at",
    ],
)
def test_following_the_cursors_lists_every_task_once_in_order(harness, sort) -> None:
    ann = harness.store.add_user()
    for n in range(7):
        task_id = create_task(
            harness,
            ann,
            title=f"Task {n % 3}",
            priority=["low", "high", "urgent"][n % 3],
            due_date=None if n % 2 else harness.clock.at + timedelta(days=n % 4),
        )
        if n % 3 == 1:
            patch(harness, ann, task_id, status="in_progress")
    everything = _ids(harness.queries.list(ListTasks(ann, limit=100, sort=sort)))
    assert len(everything) == 7
    for limit in (1, 2, 3):
        assert _walk(harness, ann, limit, sort=sort) == everything


def test_a_cursor_belongs_to_its_sort(harness) -> None:
    ann = harness.store.add_user()
    for _ in range(3):
        create_task(harness, ann)
    cursor = harness.queries.list(ListTasks(ann, limit=1, sort="title")).next_cursor
    assert cursor is not None
    with pytest.raises(ValidationFailed) as caught:
        harness.queries.list(ListTasks(ann, limit=1, sort="-title", cursor=cursor))
    assert list(caught.value.errors) == ["cursor"]


def test_the_last_page_has_no_cursor(harness) -> None:
    ann = harness.store.add_user()
    create_task(harness, ann)
    create_task(harness, ann)
    assert harness.queries.list(ListTasks(ann, limit=2)).next_cursor is None
    assert harness.queries.list(ListTasks(ann, limit=1)).next_cursor is not None


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_a_page_size_outside_1_to_100_is_refused(harness, limit: int) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed) as caught:
        harness.queries.list(ListTasks(ann, limit=limit))
    assert list(caught.value.errors) == ["limit"]


def test_the_reader_is_asked_for_one_row_more_than_the_page(harness) -> None:
    ann = harness.store.add_user()
    harness.queries.list(ListTasks(ann, limit=100))
    assert harness.reader.listings[-1].limit == 101


# Filters


def test_filters_are_normalised_before_the_read(harness) -> None:
    ann = harness.store.add_user()
    wanted = TaskFilter(
        statuses=("todo", "done", "todo"),
        priorities=("low", "low"),
        tags=(" Bug ", "bug", "", "  ", "UI"),
        text="   ",
    )
    harness.queries.list(ListTasks(ann, filter=wanted))
    used = harness.reader.listings[-1].filter
    assert (used.statuses, used.priorities, used.tags, used.text) == (
        ("todo", "done"),
        ("low",),
        # Letter case is the database's to fold (PostgreSQL's lower(), not Python's).
        ("Bug", "bug", "UI"),
        None,
    )


def test_tags_filter_in_any_letter_case(harness) -> None:
    ann = harness.store.add_user()
    tagged = create_task(harness, ann, tags=["Backend"])
    create_task(harness, ann, tags=["frontend"])
    page = harness.queries.list(ListTasks(ann, filter=TaskFilter(tags=("BACKEND",))))
    assert _ids(page) == [tagged]


# Subtasks


def test_subtasks_are_the_direct_children_of_a_visible_task(harness) -> None:
    ann = harness.store.add_user()
    parent = create_task(harness, ann)
    children = {create_task(harness, ann, parent_task_id=parent) for _ in range(2)}
    grandchild = create_task(harness, ann, parent_task_id=next(iter(children)))
    page = harness.queries.subtasks(ListTasks(ann), parent)
    assert set(_ids(page)) == children
    assert grandchild not in _ids(page)


def test_the_subtasks_of_a_task_the_caller_cannot_see_are_not_found(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    parent = create_task(harness, ann)
    create_task(harness, ann, parent_task_id=parent, assignees=[bob])
    with pytest.raises(TaskNotFound):
        harness.queries.subtasks(ListTasks(bob), parent)


# History


def test_history_reads_newest_first_and_pages_with_a_cursor(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    for n in range(4):
        patch(harness, ann, task_id, title=f"v{n}")
    actions, titles, cursor = [], [], None
    while True:
        page = harness.queries.history(ann, task_id, 2, cursor)
        actions += [entry.action for entry in page.items]
        titles += [entry.changes["title"]["new"] for entry in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert actions == ["updated"] * 4 + ["created"]
    assert titles == ["v3", "v2", "v1", "v0", "Task"]


def test_history_is_read_only_by_whoever_sees_the_task(harness) -> None:
    ann, stranger = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(TaskNotFound):
        harness.queries.history(stranger, task_id, 20, None)
    with pytest.raises(TaskNotFound):
        harness.queries.history(ann, uuid.uuid4(), 20, None)


def test_a_history_cursor_of_another_list_is_refused(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    for n in range(2):
        create_task(harness, ann, title=f"other {n}")
    foreign = harness.queries.list(ListTasks(ann, limit=1)).next_cursor
    assert foreign is not None
    with pytest.raises(ValidationFailed) as caught:
        harness.queries.history(ann, task_id, 20, foreign)
    assert list(caught.value.errors) == ["cursor"]
