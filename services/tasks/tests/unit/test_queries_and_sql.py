"""Sorts, cursors, and the shape of the list statement (no database needed)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tasks_service.adapters.persistence.ranked_sql import TextWalk, ranked_statement
from tasks_service.adapters.persistence.task_sql import MANY_TEAMS, list_statement
from tasks_service.application.cursors import decode, encode
from tasks_service.application.ports import SortKey, TaskFilter, TaskListing, Visibility
from tasks_service.application.queries import _decoders, parse_sort, sort_spec
from tasks_service.domain.errors import ValidationFailed

ME = uuid.UUID(int=7)


def test_sorts_parse_against_the_whitelist() -> None:
    assert parse_sort(None, ranked=False) == (SortKey("created_at", True),)
    assert parse_sort("", ranked=True) == (SortKey("rank", True),)
    assert parse_sort("-due_date,priority", ranked=True) == (
        SortKey("due_date", True),
        SortKey("priority", False),
    )
    for bad in ("password", "title,-title", "title,status,priority,due_date", "rank"):
        with pytest.raises(ValidationFailed):
            parse_sort(bad, ranked=False)


def test_cursors_round_trip_and_refuse_tampering() -> None:
    keys = parse_sort("-due_date,title", ranked=False)
    values = (None, "abc", uuid.uuid4())
    cursor = encode(sort_spec(keys), values)
    assert decode(cursor, sort_spec(keys), _decoders(keys)) == values
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    created = parse_sort(None, ranked=False)
    assert decode(encode("-created_at", (stamp, ME)), "-created_at", _decoders(created)) == (
        stamp,
        ME,
    )
    for bad in (cursor[:-3], cursor + "x", "!!", encode("title", values[1:])):
        with pytest.raises(ValidationFailed):
            decode(bad, sort_spec(keys), _decoders(keys))
    with pytest.raises(ValidationFailed):
        decode(encode(sort_spec(keys), (1, "abc", str(ME))), sort_spec(keys), _decoders(keys))


def test_staff_read_one_branch_members_one_per_visibility_path() -> None:
    keys = parse_sort(None, ranked=False)
    staff_sql, _ = list_statement(TaskListing(TaskFilter(), keys, 21))
    assert "UNION" not in staff_sql
    teams = tuple(uuid.UUID(int=100 + i) for i in range(3))
    member_sql, params = list_statement(
        TaskListing(TaskFilter(), keys, 21, visible_to=Visibility(ME, teams))
    )
    assert member_sql.count("UNION") == 4  # own, assigned, three teams
    assert "va.task_created_at" in member_sql  # the assigned branch reads its own index
    assert params["me"] == ME
    many = tuple(uuid.UUID(int=200 + i) for i in range(MANY_TEAMS + 1))
    many_sql, many_params = list_statement(
        TaskListing(TaskFilter(), keys, 21, visible_to=Visibility(ME, many))
    )
    assert many_sql.count("UNION") == 2
    assert many_params["my_teams"] == list(many)


def test_mixed_directions_page_with_an_or_chain_same_directions_with_a_row() -> None:
    same, _ = list_statement(
        TaskListing(TaskFilter(), parse_sort("-updated_at", ranked=False), 21, after=(1, ME))
    )
    assert "(t.updated_at, t.id) < (%(k0)s::timestamptz, %(after_id)s::uuid)" in same
    mixed, params = list_statement(
        TaskListing(
            TaskFilter(), parse_sort("-due_date,title", ranked=False), 21, after=(None, "a", ME)
        )
    )
    assert "coalesce(%(k0)s::timestamptz, '-infinity'::timestamptz)" in mixed
    assert " OR " in mixed
    assert params["k0"] is None


def test_every_value_is_bound_never_inlined() -> None:
    hostile = "x'); DROP TABLE tasks.tasks; --"
    listing = TaskListing(
        TaskFilter(text=hostile, tags=(hostile,), statuses=(hostile,)),
        parse_sort(None, ranked=True),
        21,
    )
    sql, params = ranked_statement(listing)
    assert hostile not in sql
    assert params["q"] == hostile
    later = (1, 0.5, datetime.now(UTC), datetime.now(UTC), uuid.uuid4(), uuid.uuid4())
    sql, params = ranked_statement(replace(listing, after=later))
    assert hostile not in sql
    assert params["q"] == hostile


def test_a_ranked_cursor_carries_its_tier_and_the_window_s_oldest_task() -> None:
    keys = parse_sort(None, ranked=True)
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    values = (2, 0.25, stamp, stamp, ME, uuid.UUID(int=8))
    cursor = encode(sort_spec(keys), values)
    assert decode(cursor, sort_spec(keys), _decoders(keys)) == values
    for tier in (0, 3, True, "1"):
        with pytest.raises(ValidationFailed):
            decode(encode(sort_spec(keys), (tier, *values[1:])), sort_spec(keys), _decoders(keys))
    with pytest.raises(ValidationFailed):  # the cursor of the old (rank, id) shape
        decode(encode(sort_spec(keys), (0.25, ME)), sort_spec(keys), _decoders(keys))


def test_the_walk_is_decided_from_the_planner_estimate() -> None:
    def estimate(matching: float, every: float) -> list[object]:
        plans = [{"Plan Rows": matching}, {"Plan Rows": every}]
        return [{"Plan": {"Node Type": "Append", "Plans": plans}}]

    walk = TextWalk(min_share=1 / 20)
    assert walk.walks(estimate(166_667, 1_000_000))
    assert walk.walks(estimate(50_000, 1_000_000))
    assert not walk.walks(estimate(500, 1_000_000))
    assert not walk.walks(estimate(4, 100))
    assert walk.walks(estimate(1, 0))  # an empty table: nothing to walk
