"""The list searched by relevance on real PostgreSQL (ADR 0027): the newest `rank_window`
matches by rank, the older ones after them newest first, keyset pages that neither skip nor
repeat (tasks added meanwhile included), and a member's visibility kept exact.

Every test runs with each way of finding the matches (ADR 0031): as the planner's estimate
decides, always through the GIN index, always by walking the newest tasks, and walking with a
bound so small that most branches fall back to the GIN index; all give the same pages."""

from __future__ import annotations

import math
import random
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.ranked_sql import TextWalk
from tasks_service.adapters.persistence.reader import PostgresTaskReader
from tasks_service.application.ports import TaskFilter, TaskListing, Visibility
from tasks_service.application.queries import RANKED
from tasks_service.domain.model import Task, TaskFields

BASE = datetime(2026, 3, 1, tzinfo=UTC)


WAYS = {
    "estimated": TextWalk(),
    "gin": TextWalk(min_share=math.inf),
    "walk": TextWalk(min_share=0.0),
    "walk, bound 1": TextWalk(min_share=0.0, bound=1),
}


@pytest.fixture(params=list(WAYS))
def reader(tasks_runtime, request) -> PostgresTaskReader:
    return PostgresTaskReader(tasks_runtime.read_engine, WAYS[request.param])


@pytest.fixture
def term() -> str:
    """A word no other test's task holds (staff see every task of the database)."""
    return "zq" + "".join(random.choices(string.ascii_lowercase, k=10))


@pytest.fixture
def store(tasks_runtime) -> Callable[..., uuid.UUID]:
    """A committed task created at BASE + `minute` minutes; its id."""

    def make(created_by: uuid.UUID, minute: int, **fields: Any) -> uuid.UUID:
        assignees = fields.pop("assignees", ())
        task = Task.create(
            task_id=uuid7(),
            fields=TaskFields(**({"title": f"Task {minute}"} | fields)),
            created_by=created_by,
            at=BASE + timedelta(minutes=minute),
            assignee_ids=assignees,
        )
        with tasks_runtime.unit_of_work() as uow:
            uow.tasks.add(task)
            uow.commit()
        return task.id

    return make


def pages(
    reader: PostgresTaskReader,
    text: str,
    *,
    window: int,
    limit: int = 2,
    visible_to: Visibility | None = None,
    between: Callable[[], None] = lambda: None,
) -> list[uuid.UUID]:
    """Every page of the ranked list, as the API pages it (`limit` + 1 rows, the last shown
    row's position as the cursor); `between` runs after the first page."""
    found: list[uuid.UUID] = []
    after = None
    while True:
        listing = TaskListing(
            TaskFilter(text=text), RANKED, limit + 1, after, visible_to, rank_window=window
        )
        rows = reader.list(listing)
        found += [row.id for row in rows[:limit]]
        if len(rows) <= limit:
            return found
        after = rows[limit - 1].position
        if len(found) == limit:
            between()


def test_the_newest_matches_are_ranked_and_the_older_follow_newest_first(
    reader, store, term
) -> None:
    me = uuid7()
    # Minutes 0..6; in the title (ranked first) on odd minutes, in the description on even.
    made = {
        minute: store(me, minute, **({"title": f"{term} {minute}"} if minute % 2 else {}))
        if minute % 2
        else store(me, minute, description=f"about {term}")
        for minute in range(7)
    }
    store(me, 7, title="Unrelated")
    window = [made[5], made[6], made[4]]  # the 3 newest: titles first, then newest first
    older = [made[3], made[2], made[1], made[0]]
    assert pages(reader, term, window=3) == window + older
    assert pages(reader, term, window=3, limit=4) == window + older
    assert pages(reader, term, window=3, limit=100) == window + older


def test_fewer_matches_than_the_window_are_all_ranked(reader, store, term) -> None:
    me = uuid7()
    described = store(me, 0, description=term)
    titled_old = store(me, 1, title=f"{term} one")
    titled_new = store(me, 2, title=f"{term} two")
    assert pages(reader, term, window=1000) == [titled_new, titled_old, described]


def test_pages_neither_skip_nor_repeat_while_matching_tasks_are_added(reader, store, term) -> None:
    me = uuid7()
    existing = [store(me, minute, title=f"{term} {minute}") for minute in range(9)]
    added: list[uuid.UUID] = []

    def add() -> None:
        # Newer than all, and ranked above any task of the window: a row before the cursor.
        added.extend(store(me, 100 + n, title=f"{term} {term} {term}") for n in range(3))

    found = pages(reader, term, window=4, between=add)
    assert sorted(found) == sorted(existing)
    assert len(found) == len(set(found))


def test_a_member_sees_own_assigned_and_team_matches_only(reader, store, term) -> None:
    me, other, team, elsewhere = uuid7(), uuid7(), uuid7(), uuid7()
    own = [store(me, minute, title=f"{term} own") for minute in (0, 10, 20)]
    assigned = [store(other, minute, title=term, assignees=(me,)) for minute in (1, 11)]
    teams = [store(other, minute, description=term, team_id=team) for minute in (2, 12, 22)]
    store(other, 30, title=f"{term} {term}")
    store(other, 31, title=term, team_id=elsewhere)
    mine = Visibility(me, (team,))
    found = pages(reader, term, window=3, visible_to=mine)
    # The window: minutes 22 (team, description), 20 (own, title), 12 (team): titles first.
    assert found[:3] == [own[2], teams[2], teams[1]]
    assert found[3:] == [assigned[1], own[1], teams[0], assigned[0], own[0]]
    assert pages(reader, term, window=3, limit=100, visible_to=mine) == found


def test_staff_see_every_match(reader, store, term) -> None:
    first, second = uuid7(), uuid7()
    tasks = [store(first if n % 2 else second, n, title=term) for n in range(5)]
    assert pages(reader, term, window=2) == tasks[::-1]


def test_a_member_finds_a_term_broad_in_one_branch_and_rare_in_another(reader, store, term) -> None:
    me, other = uuid7(), uuid7()
    # Own tasks: 12, the term only in the oldest (a walk bounded to the window's size stops
    # short of it: the GIN fallback finds it). Assigned: 5, the term in 4 (the walk finds them).
    own_match = store(me, 0, title=f"{term} own")
    for minute in range(1, 12):
        store(me, minute, title="Unrelated own")
    assigned = [
        store(other, 20 + n, title=f"{term} assigned" if n != 2 else "Plain", assignees=(me,))
        for n in range(5)
    ]
    store(other, 40, title=term)  # not visible to me
    mine = Visibility(me, ())
    # Window 3: the newest three matches (equal ranks, newest first), then the rest.
    expected = [assigned[4], assigned[3], assigned[1], assigned[0], own_match]
    assert pages(reader, term, window=3, visible_to=mine) == expected
    assert pages(reader, term, window=3, limit=100, visible_to=mine) == expected


def test_a_member_finds_a_rare_term_in_an_old_task(reader, store, term) -> None:
    me, other = uuid7(), uuid7()
    old = store(other, 0, description=f"the {term} report", assignees=(me,))
    for minute in range(1, 30):
        store(me, minute, title="Unrelated")
        store(other, 100 + minute, title="Unrelated", assignees=(me,))
    newest = store(me, 200, title=term)
    mine = Visibility(me, ())
    assert pages(reader, term, window=1000, visible_to=mine) == [newest, old]
    assert pages(reader, term, window=1, visible_to=mine) == [newest, old]
