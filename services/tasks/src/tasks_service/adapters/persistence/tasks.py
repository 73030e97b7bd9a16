"""PostgreSQL repository of the task aggregate (with its assignees and tags), on the unit
of work's session. The task row, its assignees and tag names load in one statement."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.tables import tags, task_assignments, task_tags, tasks
from tasks_service.adapters.persistence.task_sql import GET_DOCUMENT, document_of
from tasks_service.application.ports import TaskDocument
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import Assignment, Priority, Status, Task
from tasks_service.domain.tags import DEFAULT_COLOUR

_ORDERED = (task_assignments.c.assigned_at, task_assignments.c.user_id)


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _assignment_array(column: sa.ColumnElement[Any]) -> Any:
    return sa.func.array(
        sa.select(column)
        .where(task_assignments.c.task_id == tasks.c.id)
        .order_by(*_ORDERED)
        .scalar_subquery()
    )


LOAD_TASK = sa.select(
    tasks,
    _assignment_array(task_assignments.c.user_id).label("assignee_ids"),
    _assignment_array(task_assignments.c.assigned_by).label("assigned_by"),
    _assignment_array(task_assignments.c.assigned_at).label("assigned_at"),
    sa.func.array(
        sa.select(tags.c.name)
        .join(task_tags, task_tags.c.tag_id == tags.c.id)
        .where(task_tags.c.task_id == tasks.c.id)
        .order_by(sa.func.lower(tags.c.name))
        .scalar_subquery()
    ).label("tag_names"),
)


def task_from_row(row: Any) -> Task:
    return Task(
        id=row.id,
        title=row.title,
        description=row.description,
        status=Status(row.status),
        priority=Priority(row.priority),
        due_date=utc(row.due_date) if row.due_date else None,
        estimated_hours=row.estimated_hours,
        actual_hours=row.actual_hours,
        created_by=row.created_by,
        team_id=row.team_id,
        parent_task_id=row.parent_task_id,
        metadata=dict(row.metadata),
        tags=list(row.tag_names),
        assignments=[
            Assignment(user_id, by, utc(at))
            for user_id, by, at in zip(
                row.assignee_ids, row.assigned_by, row.assigned_at, strict=True
            )
        ],
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        is_archived=row.is_archived,
        archived_at=utc(row.archived_at) if row.archived_at else None,
        is_overdue=row.is_overdue,
        version=row.version,
    )


def _values(task: Task) -> dict[str, Any]:
    return {
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "due_date": task.due_date,
        "estimated_hours": task.estimated_hours,
        "actual_hours": task.actual_hours,
        "team_id": task.team_id,
        "parent_task_id": task.parent_task_id,
        "metadata": task.metadata,
        "is_archived": task.is_archived,
        "archived_at": task.archived_at,
        "is_overdue": task.is_overdue,
        "updated_at": task.updated_at,
        "version": task.version,
    }


_ANCESTORS = sa.text(
    """
    WITH RECURSIVE chain(parent, depth) AS (
        SELECT parent_task_id, 1 FROM tasks.tasks WHERE id = :id
        UNION ALL
        SELECT t.parent_task_id, c.depth + 1
        FROM tasks.tasks t JOIN chain c ON t.id = c.parent
        WHERE c.depth < 10000
    )
    SELECT parent FROM chain WHERE parent IS NOT NULL ORDER BY depth
    """
)


class SqlAlchemyTaskRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, task: Task) -> None:
        self._session.execute(
            tasks.insert().values(
                id=task.id, created_by=task.created_by, created_at=task.created_at, **_values(task)
            )
        )
        self._write_assignments(task)
        self._write_tags(task, task.created_by, replace=False)

    def get_for_update(self, task_id: uuid.UUID) -> Task | None:
        # NO KEY UPDATE: rows that only reference the task (history, comments) need not wait.
        row = self._session.execute(
            LOAD_TASK.where(tasks.c.id == task_id).with_for_update(key_share=True, of=tasks)
        ).first()
        return task_from_row(row) if row else None

    def save(
        self,
        task: Task,
        *,
        expected_version: int,
        assignments: bool = False,
        tags: bool = False,
        by: uuid.UUID | None = None,
    ) -> None:
        result = self._session.execute(
            tasks.update()
            .where(tasks.c.id == task.id, tasks.c.version == expected_version)
            .values(**_values(task))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            current = self._session.execute(
                sa.select(tasks.c.version).where(tasks.c.id == task.id)
            ).scalar_one_or_none()
            raise StaleVersion(current)
        if assignments:
            self._session.execute(
                task_assignments.delete().where(
                    task_assignments.c.task_id == task.id,
                    task_assignments.c.user_id.not_in(task.assignee_ids),
                )
            )
            self._write_assignments(task)
        if tags:
            self._write_tags(task, by or task.created_by, replace=True)

    def _write_assignments(self, task: Task) -> None:
        if not task.assignments:
            return
        self._session.execute(
            postgresql.insert(task_assignments)
            .values(
                [
                    {
                        "task_id": task.id,
                        "user_id": a.user_id,
                        "assigned_by": a.assigned_by,
                        "assigned_at": a.assigned_at,
                        "task_created_at": task.created_at,
                    }
                    for a in task.assignments
                ]
            )
            .on_conflict_do_nothing(index_elements=["task_id", "user_id"])
        )

    def _write_tags(self, task: Task, by: uuid.UUID, *, replace: bool) -> None:
        """Tags are referred to by name; unknown names become tags (default colour)."""
        if replace:
            self._session.execute(task_tags.delete().where(task_tags.c.task_id == task.id))
        if not task.tags:
            return
        ids = self._tag_ids(task.tags, by, task.updated_at)
        self._session.execute(
            task_tags.insert().values([{"task_id": task.id, "tag_id": tag_id} for tag_id in ids])
        )
        # The task now carries the tags' stored spelling ("Bug" for "bug").
        stored = {
            key: name
            for key, name in self._session.execute(
                sa.select(sa.func.lower(tags.c.name), tags.c.name).where(tags.c.id.in_(ids))
            )
        }
        task.tags = [stored.get(name.lower(), name) for name in task.tags]

    def _tag_ids(self, names: Sequence[str], by: uuid.UUID, at: datetime) -> list[uuid.UUID]:
        self._session.execute(
            sa.text(
                "INSERT INTO tasks.tags (id, name, colour, created_by, created_at) "
                "SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:names AS text[])) AS n(id, name) "
                "CROSS JOIN (SELECT CAST(:colour AS text), CAST(:by AS uuid), "
                "CAST(:at AS timestamptz)) AS d "
                "ORDER BY lower(n.name) ON CONFLICT ((lower(name))) DO NOTHING"
            ),
            {
                "ids": [uuid7() for _ in names],
                "names": list(names),
                "colour": DEFAULT_COLOUR,
                "by": by,
                "at": at,
            },
        )
        rows = self._session.execute(
            sa.select(tags.c.id).where(sa.func.lower(tags.c.name).in_([n.lower() for n in names]))
        )
        return [row.id for row in rows]

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        return [row.parent for row in self._session.execute(_ANCESTORS, {"id": task_id})]

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        row = self._session.connection().exec_driver_sql(GET_DOCUMENT, {"id": task_id}).first()
        return document_of(row) if row else None

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        rows = self._session.execute(
            LOAD_TASK.where(tasks.c.is_archived.is_(True), tasks.c.archived_at < cutoff)
            .order_by(tasks.c.archived_at, tasks.c.id)
            .limit(limit)
            .with_for_update(of=tasks, skip_locked=True)
        )
        return [task_from_row(row) for row in rows]

    def delete(self, task_id: uuid.UUID) -> None:
        self._session.execute(tasks.delete().where(tasks.c.id == task_id))
