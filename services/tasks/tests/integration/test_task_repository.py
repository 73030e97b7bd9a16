"""SqlAlchemyTaskRepository on real PostgreSQL: a save writes what the recorded events say
changed (and nothing else), the update is conditional on the version loaded, the job
queries lock and skip, a purge deletes the task and what belongs to it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from taskhive_shared.ids import uuid7
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import Priority, Status, Task, TaskFields

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def stored(tasks_runtime) -> Callable[..., Task]:
    """A task created through the repository (and committed); keyword arguments are fields."""

    def store(
        assignees: tuple[uuid.UUID, ...] = (), created_by: uuid.UUID | None = None, **fields: Any
    ) -> Task:
        task = Task.create(
            task_id=uuid7(),
            fields=TaskFields(**({"title": "Stored"} | fields)),
            created_by=created_by or uuid7(),
            at=NOW,
            assignee_ids=assignees,
        )
        with tasks_runtime.unit_of_work() as uow:
            uow.tasks.add(task)
            uow.commit()
        return task

    return store


def rows(admin_engine, sql: str, **params: Any) -> list[Any]:
    with admin_engine.connect() as connection:
        return list(connection.execute(sa.text(sql), params))


def assignments(admin_engine, task_id: uuid.UUID) -> dict[uuid.UUID, Any]:
    found = rows(
        admin_engine,
        "SELECT user_id, assigned_by, assigned_at, task_created_at "
        "FROM tasks.task_assignments WHERE task_id = :id",
        id=task_id,
    )
    return {row.user_id: row for row in found}


def tag_names(admin_engine, task_id: uuid.UUID) -> list[str]:
    found = rows(
        admin_engine,
        "SELECT g.name FROM tasks.task_tags t JOIN tasks.tags g ON g.id = t.tag_id "
        "WHERE t.task_id = :id ORDER BY lower(g.name)",
        id=task_id,
    )
    return [row.name for row in found]


def test_a_loaded_task_equals_the_one_stored(tasks_runtime, stored) -> None:
    bob = uuid7()
    task = stored(
        assignees=(bob,),
        description="Text",
        status=Status.IN_PROGRESS,
        priority=Priority.URGENT,
        due_date=NOW + timedelta(days=1),
        estimated_hours=Decimal("1.25"),
        actual_hours=Decimal("0.50"),
        story_points=13,
        metadata={"nested": {"list": [1, "two", None]}},
        tags=[unique("Loaded")],
    )
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
    assert loaded == task


def test_a_missing_task_loads_as_none(tasks_runtime) -> None:
    with tasks_runtime.unit_of_work() as uow:
        assert uow.tasks.get_for_update(uuid7()) is None
        assert uow.tasks.document(uuid7()) is None


def test_creation_writes_the_assignments_with_the_task_s_creation_time(
    admin_engine, stored
) -> None:
    ann, bob = uuid7(), uuid7()
    task = stored(assignees=(bob,), created_by=ann)
    [row] = assignments(admin_engine, task.id).values()
    assert (row.user_id, row.assigned_by) == (bob, ann)
    assert row.task_created_at == row.assigned_at == NOW


def test_tags_of_a_new_task_are_created_by_its_creator(admin_engine, stored) -> None:
    ann, name = uuid7(), unique("fresh")
    stored(created_by=ann, tags=[name])
    [tag] = rows(admin_engine, "SELECT created_by FROM tasks.tags WHERE name = :n", n=name)
    assert tag.created_by == ann


def test_a_new_task_takes_an_existing_tag_s_spelling(tasks_runtime, admin_engine, stored) -> None:
    name = unique("Spelled")
    stored(tags=[name])
    task = stored(tags=[name.upper()])
    assert tag_names(admin_engine, task.id) == [name]
    assert task.tags == [name]
    count = rows(
        admin_engine, "SELECT count(*) AS n FROM tasks.tags WHERE lower(name) = :n", n=name.lower()
    )
    assert count[0].n == 1


def test_an_edit_without_a_tags_event_leaves_the_tags_alone(
    tasks_runtime, admin_engine, stored
) -> None:
    name = unique("kept")
    task = stored(tags=[name])
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        loaded.tags = ["changed-without-an-event"]
        loaded.update(TaskFields(title="Edited"), ["title"], by=uuid7(), at=NOW)
        uow.commit()
    assert tag_names(admin_engine, task.id) == [name]


def test_an_edit_without_an_assignment_event_leaves_the_assignments_alone(
    tasks_runtime, admin_engine, stored
) -> None:
    bob = uuid7()
    task = stored(assignees=(bob,))
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        loaded.assignments.clear()
        loaded.update(TaskFields(title="Edited"), ["title"], by=uuid7(), at=NOW)
        uow.commit()
    assert set(assignments(admin_engine, task.id)) == {bob}


def test_removing_one_assignee_keeps_the_others_as_they_were(
    tasks_runtime, admin_engine, stored
) -> None:
    bob, cat = uuid7(), uuid7()
    task = stored(assignees=(bob, cat))
    before = assignments(admin_engine, task.id)[cat]
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        loaded.unassign(bob, by=uuid7(), at=NOW + timedelta(hours=1))
        uow.commit()
    assert assignments(admin_engine, task.id) == {cat: before}


def test_an_added_assignee_is_written_with_who_and_when(
    tasks_runtime, admin_engine, stored
) -> None:
    task, boss, bob = stored(), uuid7(), uuid7()
    later = NOW + timedelta(hours=2)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).assign([bob], by=boss, at=later)
        uow.commit()
    row = assignments(admin_engine, task.id)[bob]
    assert (row.assigned_by, row.assigned_at, row.task_created_at) == (boss, later, NOW)


def test_removing_a_tag_unlinks_it_but_keeps_the_tag(tasks_runtime, admin_engine, stored) -> None:
    gone, kept = unique("gone"), unique("kept")
    task = stored(tags=[gone, kept])
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).update(
            TaskFields(tags=[kept]), ["tags"], by=uuid7(), at=NOW
        )
        uow.commit()
    assert tag_names(admin_engine, task.id) == [kept]
    assert rows(admin_engine, "SELECT id FROM tasks.tags WHERE name = :n", n=gone)


def test_the_last_tag_editor_in_a_unit_of_work_creates_new_tags(
    tasks_runtime, admin_engine, stored
) -> None:
    task = stored()
    first_editor, second_editor, name = uuid7(), uuid7(), unique("late")
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        loaded.update(TaskFields(tags=[unique("dropped")]), ["tags"], by=first_editor, at=NOW)
        loaded.update(TaskFields(tags=[name]), ["tags"], by=second_editor, at=NOW)
        uow.commit()
    [tag] = rows(admin_engine, "SELECT created_by FROM tasks.tags WHERE name = :n", n=name)
    assert tag.created_by == second_editor


def test_a_due_soon_reminder_marks_the_due_date_without_a_new_version(
    tasks_runtime, admin_engine, stored
) -> None:
    due = NOW + timedelta(hours=3)
    task = stored(due_date=due)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).remind_due_soon(NOW)
        uow.commit()
    [row] = rows(
        admin_engine,
        "SELECT due_soon_notified_for, version FROM tasks.tasks WHERE id = :id",
        id=task.id,
    )
    assert (row.due_soon_notified_for, row.version) == (due, 1)


def test_two_flushes_in_one_unit_of_work_make_one_version(
    tasks_runtime, admin_engine, stored
) -> None:
    from tasks_service.application.recording import record_changes

    task, bob = stored(), uuid7()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        loaded.update(TaskFields(title="One"), ["title"], by=uuid7(), at=NOW)
        record_changes(uow)
        loaded.assign([bob], by=uuid7(), at=NOW)
        uow.commit()
    [row] = rows(admin_engine, "SELECT title, version FROM tasks.tasks WHERE id = :id", id=task.id)
    assert (row.title, row.version) == ("One", 2)
    assert set(assignments(admin_engine, task.id)) == {bob}


def test_a_save_after_the_row_was_deleted_is_stale_with_no_version(tasks_runtime, stored) -> None:
    task = stored()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        uow.session.execute(sa.text("DELETE FROM tasks.tasks WHERE id = :id"), {"id": task.id})
        loaded.update(TaskFields(title="Ghost"), ["title"], by=uuid7(), at=NOW)
        with pytest.raises(StaleVersion) as caught:
            uow.commit()
    assert caught.value.current_version is None


def test_a_stale_save_writes_no_history_and_no_event(tasks_runtime, admin_engine, stored) -> None:
    task = stored()
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        uow.session.execute(
            sa.text("UPDATE tasks.tasks SET version = 5 WHERE id = :id"), {"id": task.id}
        )
        loaded.update(TaskFields(title="Lost"), ["title"], by=uuid7(), at=NOW)
        with pytest.raises(StaleVersion):
            uow.commit()
    history = rows(
        admin_engine, "SELECT action FROM tasks.task_history WHERE task_id = :id", id=task.id
    )
    events = rows(admin_engine, "SELECT type FROM tasks.outbox WHERE subject = :s", s=str(task.id))
    assert [h.action for h in history] == ["created"]
    assert [e.type for e in events] == ["tasks.task.created.v1"]


def test_a_purge_deletes_the_task_and_what_belongs_to_it(
    tasks_runtime, admin_engine, stored
) -> None:
    task = stored(assignees=(uuid7(),), tags=[unique("purged")])
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        uow.comments.add(
            loaded.add_comment(comment_id=uuid7(), body="bye", by=task.created_by, at=NOW)
        )
        loaded.archive(by=task.created_by, at=NOW)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id).purge(NOW)
        uow.commit()
    for table in ("tasks", "task_assignments", "task_tags", "comments", "task_history"):
        column = "id" if table == "tasks" else "task_id"
        assert (
            rows(admin_engine, f"SELECT 1 FROM tasks.{table} WHERE {column} = :id", id=task.id)
            == []
        )
    [deleted] = rows(
        admin_engine,
        "SELECT type FROM tasks.outbox WHERE subject = :s ORDER BY seq DESC LIMIT 1",
        s=str(task.id),
    )
    assert deleted.type == "tasks.task.deleted.v1"


def test_a_purged_parent_leaves_its_subtasks_top_level(tasks_runtime, admin_engine, stored) -> None:
    parent = stored()
    child = stored(parent_task_id=parent.id)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(parent.id).purge(NOW)
        uow.commit()
    [row] = rows(admin_engine, "SELECT parent_task_id FROM tasks.tasks WHERE id = :id", id=child.id)
    assert row.parent_task_id is None


def test_a_locked_task_keeps_other_writers_out_but_not_its_comments(
    tasks_runtime, test_database, stored
) -> None:
    task = stored()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(task.id)
        with psycopg.connect(test_database.url(), autocommit=True) as other:
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute(
                    "SELECT 1 FROM tasks.tasks WHERE id = %s FOR UPDATE NOWAIT", (task.id,)
                )
            other.execute("SET lock_timeout = '2s'")
            other.execute(
                "INSERT INTO tasks.comments (id, task_id, author_id, body, created_at, "
                "updated_at, version) VALUES (%s, %s, %s, 'meanwhile', now(), now(), 1)",
                (uuid7(), task.id, uuid7()),
            )


# --- the job queries (dates in 1950: no other test's tasks fall in these windows) ----------

EPOCH = datetime(1950, 1, 1, tzinfo=UTC)


def _window(offset_days: int) -> datetime:
    """A moment of its own per test, far from every other test's dates."""
    return EPOCH + timedelta(days=offset_days)


def test_overdue_candidates_are_open_unflagged_tasks_due_by_now(tasks_runtime, stored) -> None:
    now = _window(10)
    due = stored(due_date=now - timedelta(hours=1))
    stored(due_date=now - timedelta(hours=1), status=Status.DONE)
    stored(due_date=now + timedelta(hours=1))
    with tasks_runtime.unit_of_work() as uow:
        found = uow.tasks.overdue_candidates(now, 10)
    assert [t.id for t in found if t.due_date and t.due_date >= now - timedelta(days=1)] == [due.id]


def test_overdue_candidates_skip_tasks_another_transaction_holds(tasks_runtime, stored) -> None:
    now = _window(20)
    held, free = (stored(due_date=now - timedelta(minutes=m)) for m in (2, 1))
    window = now - timedelta(days=1)
    with tasks_runtime.unit_of_work() as first:
        first.tasks.get_for_update(held.id)
        with tasks_runtime.unit_of_work() as second:
            found = second.tasks.overdue_candidates(now, 10)
    assert [t.id for t in found if t.due_date >= window] == [free.id]


def test_due_soon_candidates_skip_a_due_date_already_announced(tasks_runtime, stored) -> None:
    now = _window(30)
    task = stored(due_date=now + timedelta(hours=2))
    until = now + timedelta(hours=24)
    with tasks_runtime.unit_of_work() as uow:
        [candidate] = uow.tasks.due_soon_candidates(now, until, 10)
        candidate.remind_due_soon(now)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.tasks.due_soon_candidates(now, until, 10) == []
        uow.tasks.get_for_update(task.id).update(
            TaskFields(due_date=now + timedelta(hours=5)), ["due_date"], by=uuid7(), at=now
        )
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert [t.id for t in uow.tasks.due_soon_candidates(now, until, 10)] == [task.id]


def test_archived_before_finds_only_tasks_archived_before_the_cut_off(
    tasks_runtime, stored
) -> None:
    old, recent = stored(), stored()
    cut_off = _window(40)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(old.id).archive(by=uuid7(), at=cut_off - timedelta(days=1))
        uow.tasks.get_for_update(recent.id).archive(by=uuid7(), at=cut_off + timedelta(days=1))
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        found = uow.tasks.archived_before(cut_off, 10)
    assert old.id in {t.id for t in found}
    assert recent.id not in {t.id for t in found}


def test_a_name_postgresql_lowers_differently_still_links_the_existing_tag(
    admin_engine, stored
) -> None:
    # Python lowers a final capital sigma to a final small one, PostgreSQL to a medial one.
    existing = f"{uuid.uuid4().hex[:8]}-οδοσ"
    stored(tags=[existing])
    task = stored(tags=[existing.upper()])
    assert tag_names(admin_engine, task.id) == [existing]
    assert task.tags == [existing]


def wait_for_a_blocked_lock(admin_engine, timeout: float = 10.0) -> None:
    """Until some transaction waits for a lock on a task (polling pg_locks)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = rows(
            admin_engine,
            "SELECT 1 FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        if waiting:
            return
        time.sleep(0.01)
    pytest.fail("the second load never waited for the lock")


def test_a_load_that_waited_for_the_lock_sees_the_winner_s_assignees_and_tags(
    tasks_runtime, admin_engine, stored
) -> None:
    import threading

    task, bob, name = stored(), uuid7(), unique("winner")
    loaded_after_wait: list[Task] = []
    with tasks_runtime.unit_of_work() as winner:
        locked = winner.tasks.get_for_update(task.id)
        locked.assign([bob], by=uuid7(), at=NOW)
        locked.update(TaskFields(tags=[name]), ["tags"], by=uuid7(), at=NOW)

        def wait_and_load() -> None:
            with tasks_runtime.unit_of_work() as loser:
                loaded_after_wait.append(loser.tasks.get_for_update(task.id))

        waiter = threading.Thread(target=wait_and_load)
        waiter.start()
        wait_for_a_blocked_lock(admin_engine)
        winner.commit()
    waiter.join(timeout=10)
    [loaded] = loaded_after_wait
    assert (loaded.version, loaded.assignee_ids, loaded.tags) == (2, [bob], [name])


def test_a_document_read_in_a_write_is_in_utc_whatever_the_session_s_time_zone(
    tasks_runtime, stored
) -> None:
    task = stored(due_date=NOW + timedelta(days=1))
    with tasks_runtime.unit_of_work() as uow:
        uow.session.execute(sa.text("SET TIME ZONE 'America/Caracas'"))
        loaded = uow.tasks.get_for_update(task.id)
        loaded.archive(by=uuid7(), at=NOW)
        from tasks_service.application.recording import record_changes

        record_changes(uow)
        fields = uow.tasks.document(task.id).fields
    moments = {name: fields[name] for name in ("due_date", "archived_at", "created_at")}
    assert moments == {
        "due_date": NOW + timedelta(days=1),
        "archived_at": NOW,
        "created_at": NOW,
    }
    assert {value.utcoffset() for value in moments.values()} == {timedelta(0)}


def test_a_tag_another_transaction_creates_meanwhile_is_linked_once_it_commits(
    tasks_runtime, admin_engine, test_database, stored
) -> None:
    """The one-statement tagging does not see a tag committed after its snapshot (its
    insert waited for that row, then yielded): the name is looked up again and linked."""
    import threading

    name = unique("late")
    outcome: dict[str, Any] = {}
    with psycopg.connect(test_database.url()) as other:
        other.execute(
            "INSERT INTO tasks.tags (id, name, colour, created_by, created_at) "
            "VALUES (%s, %s, '#123456', %s, now())",
            (uuid7(), name, uuid7()),
        )

        def create() -> None:
            try:
                outcome["task"] = stored(tags=[name.upper()])
            except Exception as exc:  # reported to the test thread below
                outcome["error"] = exc

        worker = threading.Thread(target=create)
        worker.start()
        wait_for_a_blocked_lock(admin_engine)
        other.commit()
    worker.join(timeout=10)
    assert "error" not in outcome, outcome.get("error")
    task = outcome["task"]
    assert tag_names(admin_engine, task.id) == [name]
    assert task.tags == [name]
    [row] = rows(admin_engine, "SELECT colour FROM tasks.tags WHERE name = :name", name=name)
    assert row.colour == "#123456"
