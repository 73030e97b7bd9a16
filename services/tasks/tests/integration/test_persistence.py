"""Roles keep schemas apart; migrations repeat; writes are conditional on the version; the
list statements use their indexes on a large table."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import psycopg
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from taskhive_shared.db.provisioning import provision_service
from tasks_service.adapters.persistence.task_sql import list_statement
from tasks_service.application.ports import TaskFilter, TaskListing, Visibility
from tasks_service.application.queries import parse_sort
from tasks_service.bootstrap import MIGRATIONS_DIR, migrate
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import Task, TaskFields

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.mark.parametrize("other", ["auth.accounts", "users.profiles"])
def test_tasks_app_cannot_read_other_schemas(test_database, tasks_settings, other) -> None:
    with (
        psycopg.connect(test_database.url("tasks_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute(f"SELECT count(*) FROM {other}")


def test_other_services_cannot_read_tasks(test_database, tasks_settings) -> None:
    with (
        psycopg.connect(test_database.url("users_app")) as connection,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        connection.execute("SELECT count(*) FROM tasks.tasks")


def test_tasks_app_has_dml_but_no_ddl(test_database, tasks_settings) -> None:
    with psycopg.connect(test_database.url("tasks_app")) as connection:
        assert connection.execute("SELECT count(*) FROM tasks.replica_users").fetchone()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("CREATE TABLE tasks.sneaky (id int)")


def test_migrations_and_provisioning_are_idempotent(test_database, tasks_settings) -> None:
    provision_service(
        test_database.url(), "tasks", migrator_password="tasks_migrator", app_password="tasks_app"
    )
    migrate(tasks_settings)
    with psycopg.connect(test_database.url("tasks_app")) as connection:
        version = connection.execute("SELECT version_num FROM tasks.alembic_version").fetchall()
    assert version == [(ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head(),)]


def _stored_task(tasks_runtime, **fields) -> Task:
    task = Task.create(
        task_id=uuid.uuid4(),
        fields=TaskFields(**({"title": "Race", "tags": ["r"]} | fields)),
        created_by=uuid.uuid4(),
        at=NOW,
    )
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(task)
        uow.commit()
    return task


def test_a_save_is_conditional_on_the_version_read(tasks_runtime) -> None:
    task = _stored_task(tasks_runtime)
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        assert loaded is not None
        assert (loaded.tags, loaded.version) == (["r"], 1)
        loaded.update(TaskFields(title="First"), ["title"], by=task.created_by, at=NOW)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        loser = uow.tasks.get_for_update(task.id)
        assert loser is not None
        # Someone else's write the lock would normally have kept out.
        uow.session.execute(
            sa.text("UPDATE tasks.tasks SET version = 3 WHERE id = :id"), {"id": task.id}
        )
        loser.update(TaskFields(title="Lost update"), ["title"], by=task.created_by, at=NOW)
        with pytest.raises(StaleVersion) as caught:
            uow.commit()
        assert caught.value.current_version == 3
    with tasks_runtime.unit_of_work() as uow:
        document = uow.tasks.document(task.id)
        assert document is not None
        assert (document.fields["title"], document.version) == ("First", 2)


def test_tags_a_patch_creates_are_created_by_the_editor(tasks_runtime) -> None:
    task = _stored_task(tasks_runtime)
    editor = uuid.uuid4()
    new_tag = f"made-by-editor-{uuid.uuid4().hex[:8]}"
    with tasks_runtime.unit_of_work() as uow:
        loaded = uow.tasks.get_for_update(task.id)
        assert loaded is not None
        loaded.update(TaskFields(tags=["r", new_tag]), ["tags"], by=editor, at=NOW)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        creators = dict(
            uow.session.execute(
                sa.text("SELECT name, created_by FROM tasks.tags WHERE name IN ('r', :new)"),
                {"new": new_tag},
            ).all()
        )
    assert creators[new_tag] == editor
    assert creators["r"] != editor


def test_ancestors_walk_up_the_parent_chain(tasks_runtime) -> None:
    root = _stored_task(tasks_runtime)
    child = Task.create(
        task_id=uuid.uuid4(),
        fields=TaskFields(title="Child", parent_task_id=root.id),
        created_by=root.created_by,
        at=NOW,
    )
    with tasks_runtime.unit_of_work() as uow:
        uow.tasks.add(child)
        uow.commit()
    with tasks_runtime.unit_of_work() as uow:
        assert uow.tasks.ancestors(child.id) == [root.id]
        assert uow.tasks.ancestors(root.id) == []


@pytest.fixture(scope="module")
def many_tasks(admin_engine, tasks_settings) -> uuid.UUID:
    """40,000 tasks of 400 creators in 100 teams (bulk SQL), analysed; returns a creator."""
    with admin_engine.begin() as connection:
        connection.execute(
            sa.text(
                """
                INSERT INTO tasks.tasks (id, title, status, priority, created_by, team_id,
                    is_archived, is_overdue, created_at, updated_at, version)
                SELECT gen_random_uuid(), 'Bulk ' || g, 'todo', 'medium',
                    ('00000000-0000-7000-8000-' || lpad(to_hex(g % 400), 12, '0'))::uuid,
                    ('00000000-0000-7000-9000-' || lpad(to_hex(g % 100), 12, '0'))::uuid,
                    false, false, now() - g * interval '1 second',
                    now() - g * interval '1 second', 1
                FROM generate_series(1, 40000) g
                """
            )
        )
        connection.execute(sa.text("ANALYZE tasks.tasks"))
    return uuid.UUID("00000000-0000-7000-8000-000000000007")


def _plan(admin_engine, listing: TaskListing) -> str:
    sql, params = list_statement(listing)
    with admin_engine.connect() as connection:
        cursor = connection.connection.cursor()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_default_page_is_an_index_range_scan(admin_engine, many_tasks) -> None:
    plan = _plan(admin_engine, TaskListing(TaskFilter(), parse_sort(None, ranked=False), 21))
    assert "ix_tasks_created" in plan
    assert "Seq Scan on tasks" not in plan
    assert "Sort" not in plan.split("CTE p")[1].split("->  Hash")[0]


def test_a_member_page_scans_one_index_per_branch(admin_engine, many_tasks) -> None:
    team = uuid.UUID("00000000-0000-7000-9000-000000000007")
    listing = TaskListing(
        TaskFilter(),
        parse_sort(None, ranked=False),
        21,
        visible_to=Visibility(many_tasks, (team,)),
    )
    plan = _plan(admin_engine, listing)
    for index in ("ix_tasks_creator", "ix_task_assignments_user", "ix_tasks_team"):
        assert index in plan
    assert "Seq Scan on tasks" not in plan
