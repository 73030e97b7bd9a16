"""The dependency adapter on real PostgreSQL: edges written from the tasks' events, the edges
reachable from a task, and score refreshes that skip rows another transaction holds instead of
waiting for them (no lock-order deadlock with writers)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from taskhive_shared.ids import uuid7
from tasks_service.domain.model import Priority, Task, TaskFields

NOW = datetime(2026, 6, 1, 9, tzinfo=UTC)


def stored(runtime, *titles: str, priority: Priority = Priority.MEDIUM) -> list[Task]:
    tasks = [
        Task.create(
            task_id=uuid7(),
            fields=TaskFields(title=title, priority=priority),
            created_by=uuid7(),
            at=NOW,
        )
        for title in titles
    ]
    with runtime.unit_of_work() as uow:
        for task in tasks:
            uow.tasks.add(task)
        uow.commit()
    return tasks


def link(runtime, blocked: uuid.UUID, blocker: uuid.UUID) -> None:
    with runtime.unit_of_work() as uow:
        for task_id in sorted({blocked, blocker}):
            uow.tasks.get_for_update(task_id).link_dependency(blocked, blocker, by=uuid7(), at=NOW)
        uow.commit()


def score_of(admin_engine, task_id: uuid.UUID) -> int:
    with admin_engine.connect() as connection:
        return int(
            connection.execute(
                sa.text("SELECT score FROM tasks.tasks WHERE id = :id"), {"id": task_id}
            ).scalar_one()
        )


def test_the_edges_reachable_from_a_task_and_no_others(tasks_runtime) -> None:
    a, b, c, d, e = (t.id for t in stored(tasks_runtime, "a", "b", "c", "d", "e"))
    link(tasks_runtime, a, b)
    link(tasks_runtime, b, c)
    link(tasks_runtime, d, e)
    with tasks_runtime.unit_of_work() as uow:
        assert sorted(uow.dependencies.edges_from(a)) == sorted([(a, b), (b, c)])
        assert uow.dependencies.edges_from(c) == []
        assert uow.dependencies.exists(a, b)
        assert not uow.dependencies.exists(b, a)
        assert [t.id for t in uow.dependencies.blocked(b)] == [a]


def test_a_purged_task_takes_its_edges_with_it(tasks_runtime, admin_engine) -> None:
    a, b = (t.id for t in stored(tasks_runtime, "a", "b"))
    link(tasks_runtime, a, b)
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(b).archive(by=uuid7(), at=NOW)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.get_for_update(b).purge(NOW)
        uow.commit()
    with admin_engine.connect() as connection:
        left = connection.execute(
            sa.text("SELECT count(*) FROM tasks.task_dependencies WHERE task_id = :a"), {"a": a}
        ).scalar_one()
    assert left == 0


def test_a_writer_does_not_wait_for_a_blocker_held_elsewhere(tasks_runtime, admin_engine) -> None:
    blocked, blocker = stored(tasks_runtime, "blocked", "blocker")
    link(tasks_runtime, blocked.id, blocker.id)
    assert score_of(admin_engine, blocker.id) == 14
    with admin_engine.connect() as holder:
        holder.execute(
            sa.text("SELECT 1 FROM tasks.tasks WHERE id = :id FOR UPDATE"), {"id": blocker.id}
        )
        with tasks_runtime.unit_of_work() as uow:
            # A wait would hit this timeout and fail the test.
            uow.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            task = uow.tasks.get_for_update(blocked.id)
            task.update(TaskFields(title="renamed"), ["title"], by=uuid7(), at=NOW)
            task.archive(by=uuid7(), at=NOW)
            uow.commit()
        holder.rollback()
    # Skipped, so still counting the now archived task; the periodic job catches up.
    assert score_of(admin_engine, blocker.id) == 14
    with tasks_runtime.unit_of_work() as uow:
        last, _ = uow.dependencies.rescore(uuid.UUID(int=0), 1_000_000, NOW + timedelta(0))
        uow.commit()
    assert last is not None
    assert score_of(admin_engine, blocker.id) == 10


def test_the_periodic_rescore_skips_rows_being_written(tasks_runtime, admin_engine) -> None:
    (task,) = stored(tasks_runtime, "urgent one", priority=Priority.URGENT)
    later = NOW + timedelta(days=400)
    with admin_engine.connect() as holder:
        holder.execute(
            sa.text("SELECT 1 FROM tasks.tasks WHERE id = :id FOR UPDATE"), {"id": task.id}
        )
        with tasks_runtime.unit_of_work() as uow:
            uow.session.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            uow.dependencies.rescore(uuid.UUID(int=0), 1_000_000, later)
            uow.commit()
        assert score_of(admin_engine, task.id) == 40
        holder.rollback()
    with tasks_runtime.unit_of_work() as uow:
        uow.dependencies.rescore(uuid.UUID(int=0), 1_000_000, later)
        uow.commit()
    assert score_of(admin_engine, task.id) == 50  # urgent 40 + a full age of 10
