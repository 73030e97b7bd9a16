"""PostgresTaskReader, the read side, on real PostgreSQL: the document it serves, the caller
as the replica knows them, keyset pages and the branches of a member's visibility."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.reader import PostgresTaskReader
from tasks_service.adapters.persistence.task_sql import MANY_TEAMS
from tasks_service.application.ports import (
    ActorRecord,
    RawJson,
    TaskFilter,
    TaskListing,
    Visibility,
)
from tasks_service.application.queries import parse_sort
from tasks_service.bootstrap import build_read_engine
from tasks_service.domain.model import Priority, Task, TaskFields
from tasks_service.entrypoints.http.schemas import TaskSchema

BASE = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def reader(tasks_runtime) -> PostgresTaskReader:
    return PostgresTaskReader(tasks_runtime.read_engine)


@pytest.fixture
def store(tasks_runtime) -> Callable[..., Task]:
    """A committed task; `minute` sets its creation time (BASE + minutes)."""

    def make(
        created_by: uuid.UUID,
        minute: int = 0,
        assignees: tuple[uuid.UUID, ...] = (),
        **fields: Any,
    ) -> Task:
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
        return task

    return make


def page(
    reader: PostgresTaskReader,
    listing_filter: TaskFilter,
    *,
    limit: int = 100,
    after: tuple[Any, ...] | None = None,
    visible_to: Visibility | None = None,
    sort: str | None = None,
) -> list[Any]:
    listing = TaskListing(
        listing_filter, parse_sort(sort, ranked=False), limit, after=after, visible_to=visible_to
    )
    return reader.list(listing)


def ids(documents) -> list[uuid.UUID]:
    return [document.id for document in documents]


# --- one document ----------------------------------------------------------------------------


def test_a_document_has_exactly_the_schema_s_fields(reader, store) -> None:
    task = store(uuid7())
    document = reader.get(task.id)
    assert set(document.fields) == set(TaskSchema().fields)


def test_a_document_s_values_are_as_stored(reader, store) -> None:
    bob = uuid7()
    task = store(
        uuid7(),
        assignees=(bob,),
        estimated_hours=Decimal("1.5"),
        story_points=5,
        priority=Priority.HIGH,
        metadata={"a": [1, {"b": None}]},
        tags=["Zeta-" + uuid.uuid4().hex[:6], "alpha-" + uuid.uuid4().hex[:6]],
    )
    fields = reader.get(task.id).fields
    assert (fields["id"], fields["created_by"]) == (task.id, task.created_by)
    assert (fields["estimated_hours"], fields["actual_hours"]) == ("1.50", None)
    assert (fields["story_points"], fields["priority"], fields["version"]) == (5, "high", 1)
    assert fields["assignee_ids"] == [bob]
    assert fields["tags"] == sorted(task.tags, key=str.lower)


def test_metadata_and_assignees_come_as_raw_json(reader, store) -> None:
    task = store(uuid7(), assignees=(uuid7(),), metadata={"k": "v"})
    fields = reader.get(task.id).fields
    assert isinstance(fields["metadata"], RawJson)
    assert json.loads(fields["metadata"]) == {"k": "v"}
    assert isinstance(fields["assignees"], RawJson)


def test_an_assignee_the_replica_does_not_know_has_no_name(reader, store) -> None:
    stranger = uuid7()
    task = store(uuid7(), assignees=(stranger,))
    [assignee] = json.loads(reader.get(task.id).fields["assignees"])
    assert assignee == {
        "id": str(stranger),
        "username": None,
        "display_name": None,
        "assigned_by": str(task.created_by),
        "assigned_at": "2026-03-01T00:00:00.000000+00:00",
    }


def test_a_task_without_tags_or_assignees_has_empty_lists(reader, store) -> None:
    fields = reader.get(store(uuid7()).id).fields
    assert (fields["tags"], fields["assignee_ids"], json.loads(fields["assignees"])) == (
        [],
        [],
        [],
    )


def test_a_missing_task_reads_as_none(reader) -> None:
    assert reader.get(uuid7()) is None


# --- the caller ------------------------------------------------------------------------------


def test_an_unknown_caller_reads_as_an_active_nobody(reader) -> None:
    assert reader.actor(uuid7()) == ActorRecord(role=None, is_active=True, team_ids=())


def test_a_caller_s_teams_come_sorted_without_deleted_ones(
    reader, make_user, make_team, deliver, build
) -> None:
    ann = make_user("manager")
    teams = [make_team(ann) for _ in range(3)]
    deleted = {
        "team_id": str(teams[0]),
        "name": "gone",
        "member_ids": [str(ann.id)],
        "version": 2,
        "deleted_by": str(ann.id),
        "deleted_at": "2026-01-01T00:00:00+00:00",
    }
    deliver(build.event("users.team.deleted.v1", str(teams[0]), deleted))
    record = reader.actor(ann.id)
    assert record.role == "manager"
    assert record.team_ids == tuple(sorted(teams[1:]))


# --- pages -----------------------------------------------------------------------------------


def test_a_page_position_holds_the_sort_values_and_the_id(reader, store) -> None:
    ann = uuid7()
    task = store(ann, minute=1, title="Positioned")
    [document] = page(reader, TaskFilter(created_by=ann), sort="title")
    assert document.position == ("positioned", task.id)


def test_keyset_pages_stay_stable_across_inserts(reader, store) -> None:
    ann = uuid7()
    old = [store(ann, minute=m) for m in range(1, 6)]
    first = page(reader, TaskFilter(created_by=ann), limit=2)
    for m in range(10, 13):
        store(ann, minute=m)
    rest = page(reader, TaskFilter(created_by=ann), after=first[-1].position)
    assert ids(first + rest) == [t.id for t in reversed(old)]


def test_a_keyset_page_starts_strictly_after_its_position(reader, store) -> None:
    ann = uuid7()
    tasks = [store(ann, minute=1) for _ in range(3)]
    [first] = page(reader, TaskFilter(created_by=ann), limit=1)
    rest = page(reader, TaskFilter(created_by=ann), after=first.position)
    assert first.id not in ids(rest)
    assert sorted(ids([first, *rest])) == sorted(t.id for t in tasks)


# --- a member's visibility -------------------------------------------------------------------


def _visible(me: uuid.UUID, teams: list[uuid.UUID]) -> Visibility:
    return Visibility(me, tuple(sorted(teams)))


def test_a_member_sees_own_assigned_and_team_tasks(reader, store) -> None:
    me, other, team = uuid7(), uuid7(), uuid7()
    own = store(me, minute=1)
    assigned = store(other, minute=2, assignees=(me,))
    teams = store(other, minute=3, team_id=team)
    store(other, minute=4)
    found = page(reader, TaskFilter(), visible_to=_visible(me, [team]))
    assert ids(found) == [teams.id, assigned.id, own.id]


def test_a_task_in_every_branch_is_listed_once(reader, store) -> None:
    me, team = uuid7(), uuid7()
    task = store(me, assignees=(me,), team_id=team)
    assert ids(page(reader, TaskFilter(), visible_to=_visible(me, [team]))) == [task.id]


@pytest.mark.parametrize("count", [MANY_TEAMS, MANY_TEAMS + 1])
def test_team_tasks_are_found_either_side_of_the_many_teams_threshold(reader, store, count) -> None:
    me, other = uuid7(), uuid7()
    teams = [uuid7() for _ in range(count)]
    filed = [store(other, minute=i, team_id=team) for i, team in enumerate(teams)]
    store(other, minute=99, team_id=uuid7())
    found = page(reader, TaskFilter(), visible_to=_visible(me, teams))
    assert ids(found) == [t.id for t in reversed(filed)]


def test_a_member_with_many_teams_pages_across_the_branches(reader, store) -> None:
    me, other = uuid7(), uuid7()
    teams = [uuid7() for _ in range(MANY_TEAMS + 2)]
    expected = [store(other, minute=i, team_id=team) for i, team in enumerate(teams)]
    expected += [store(me, minute=50), store(other, minute=51, assignees=(me,))]
    expected.sort(key=lambda t: t.created_at, reverse=True)
    seen: list[uuid.UUID] = []
    after = None
    for _ in range(20):
        documents = page(reader, TaskFilter(), limit=3, after=after, visible_to=_visible(me, teams))
        seen += ids(documents)
        if len(documents) < 3:
            break
        after = documents[-1].position
    assert seen == [t.id for t in expected]


def test_a_member_s_branches_merge_in_a_mixed_direction_sort(reader, store) -> None:
    me, other, team = uuid7(), uuid7(), uuid7()
    a = store(me, title="b", priority=Priority.LOW)
    b = store(other, title="a", priority=Priority.HIGH, assignees=(me,))
    c = store(other, title="c", priority=Priority.HIGH, team_id=team)
    found = page(reader, TaskFilter(), visible_to=_visible(me, [team]), sort="-priority,title")
    assert ids(found) == [b.id, c.id, a.id]


# --- the connection pool ---------------------------------------------------------------------


def test_a_connection_killed_under_the_pool_is_replaced_and_the_read_retried(
    tasks_settings, admin_engine, store
) -> None:
    engine = build_read_engine(tasks_settings.model_copy(update={"read_pool_size": 1}))
    try:
        fresh = PostgresTaskReader(engine)
        task = store(uuid7())
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        finally:
            connection.close()
        with admin_engine.connect() as admin:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert fresh.get(task.id).id == task.id
    finally:
        engine.dispose()


def _backend_pid(engine: sa.Engine) -> int:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])
    finally:
        connection.close()


def test_a_statement_cut_off_at_the_limit_is_neither_retried_nor_its_connection_dropped(
    tasks_settings, admin_engine, store
) -> None:
    """QueryCanceled is an OperationalError too, but not a dead connection (ADR 0029): one
    attempt (one checkout), the same backend serves the next read. The read blocks on a lock
    until the server cancels it: no time is measured."""
    limited = tasks_settings.model_copy(
        update={"read_pool_size": 1, "read_statement_timeout_ms": 100}
    )
    engine = build_read_engine(limited)
    checkouts: list[object] = []
    invalidated: list[object] = []
    sa.event.listen(engine, "checkout", lambda *args: checkouts.append(args))
    sa.event.listen(engine, "invalidate", lambda *args: invalidated.append(args))
    try:
        reader = PostgresTaskReader(engine)
        task = store(uuid7())
        pid = _backend_pid(engine)
        checkouts.clear()
        with admin_engine.connect() as connection, connection.begin():
            # Should no limit apply, the lock goes after 20 s and the read succeeds: a failure.
            connection.execute(sa.text("SET LOCAL idle_in_transaction_session_timeout = '20s'"))
            connection.execute(sa.text("LOCK TABLE tasks.tasks IN ACCESS EXCLUSIVE MODE"))
            with pytest.raises(psycopg.errors.QueryCanceled):
                reader.get(task.id)
        assert len(checkouts) == 1
        assert invalidated == []
        assert reader.get(task.id).id == task.id
        assert _backend_pid(engine) == pid
    finally:
        engine.dispose()
