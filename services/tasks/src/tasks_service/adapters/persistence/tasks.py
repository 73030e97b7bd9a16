"""PostgreSQL repository of the task aggregate (with its assignees and tags), on the unit
of work's session. The task row, its assignees and tag names load in one statement; what a
save writes is what the task's recorded events say changed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from taskhive_shared.ids import uuid7
from tasks_service.adapters.persistence.dependencies import refresh_scores, write_dependencies
from tasks_service.adapters.persistence.tables import (
    STORED_FIELDS,
    tags,
    task_assignments,
    task_tags,
    tasks,
)
from tasks_service.adapters.persistence.task_sql import GET_DOCUMENT, document_of
from tasks_service.application.ports import TaskDocument
from tasks_service.domain import events
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.fields import Choice, FieldSpec, JsonObject, Moment, Recurrence
from tasks_service.domain.model import CLOSED, Assignment, Task
from tasks_service.domain.tags import DEFAULT_COLOUR

_ROW_ONLY = frozenset({events.SlaAtRisk, events.SlaBreached, events.TaskBecameOverdue})
"""Events whose writes are the task's own row (no assignees, tags, edges or extra columns)."""
_ORDERED = (task_assignments.c.assigned_at, task_assignments.c.user_id)
_OPEN = tasks.c.status.not_in([status.value for status in CLOSED])


def _created(recorded: Sequence[events.TaskEvent]) -> bool:
    return any(isinstance(event, events.TaskCreated) for event in recorded)


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


def _from_column(spec: FieldSpec, value: Any) -> Any:
    match spec.kind:
        case Choice(options=options):
            return options(value)
        case Moment():
            return utc(value) if value is not None else None
        case JsonObject():
            return dict(value)
        case Recurrence():
            return None if value is None else dict(value)
    return value


def _to_column(spec: FieldSpec, value: Any) -> Any:
    return value.value if isinstance(spec.kind, Choice) else value


def task_from_row(row: Any) -> Task:
    return Task(
        id=row.id,
        **{spec.name: _from_column(spec, getattr(row, spec.name)) for spec in STORED_FIELDS},
        tags=list(row.tag_names),
        created_by=row.created_by,
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
        series_id=row.series_id,
        next_occurrence_id=row.next_occurrence_id,
    )


def _values(task: Task) -> dict[str, Any]:
    return {
        **{spec.name: _to_column(spec, getattr(task, spec.name)) for spec in STORED_FIELDS},
        "is_archived": task.is_archived,
        "archived_at": task.archived_at,
        "is_overdue": task.is_overdue,
        "series_id": task.series_id,
        "next_occurrence_id": task.next_occurrence_id,
        "updated_at": task.updated_at,
        "version": task.version,
    }


def _tag_editor(recorded: Sequence[events.TaskEvent]) -> uuid.UUID | None:
    """Who last changed the tags in these events (new tag names are created by them)."""
    editors = [
        event.actor_id
        for event in recorded
        if isinstance(event, events.TaskEdited)
        and any(change.field == "tags" for change in event.changes)
    ]
    return editors[-1] if editors else None


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


_LINK_TAGS = sa.text(
    """
    WITH n AS (
        SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:names AS text[])) AS n(id, name)
    ),
    made AS (
        INSERT INTO tasks.tags (id, name, colour, created_by, created_at)
        SELECT n.id, n.name, CAST(:colour AS text), CAST(:by AS uuid), CAST(:at AS timestamptz)
        FROM n ORDER BY lower(n.name)
        ON CONFLICT ((lower(name))) DO NOTHING
        RETURNING id, name
    ),
    found AS (
        SELECT n.name AS given, coalesce(m.id, g.id) AS id, coalesce(m.name, g.name) AS name
        FROM n LEFT JOIN made m ON lower(m.name) = lower(n.name)
            LEFT JOIN tasks.tags g ON lower(g.name) = lower(n.name)
    ),
    linked AS (
        INSERT INTO tasks.task_tags (task_id, tag_id)
        SELECT DISTINCT CAST(:task AS uuid), id FROM found WHERE id IS NOT NULL
    )
    SELECT given, id, name FROM found
    """
)
"""New tags made, every tag looked up and linked, in one statement. The lookup sees the
tags that existed before it (`g`, the statement's snapshot) and the ones it made (`made`):
a data-modifying CTE's rows are visible only through its RETURNING."""


class SqlAlchemyTaskRepository:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._seen: dict[uuid.UUID, tuple[Task, int]] = {}
        """Each task handed out, with the version it was loaded at."""

    def _track(self, task: Task) -> Task:
        self._seen[task.id] = (task, task.version)
        return task

    def seen(self) -> list[Task]:
        return [task for task, _ in self._seen.values()]

    def add(self, task: Task) -> None:
        self._track(task)

    def get_for_update(self, task_id: uuid.UUID) -> Task | None:
        # Lock, then load in a second statement: in READ COMMITTED a statement that waited
        # for the lock reads the task's row afresh but its assignee and tag subqueries from
        # the snapshot taken before the wait, so a concurrent writer's assignees would be lost.
        # NO KEY UPDATE: rows that only reference the task (history, comments) need not wait.
        locked = self._session.execute(
            sa.select(tasks.c.id).where(tasks.c.id == task_id).with_for_update(key_share=True)
        ).first()
        if locked is None:
            return None
        row = self._session.execute(LOAD_TASK.where(tasks.c.id == task_id)).one()
        return self._track(task_from_row(row))

    def get_many_for_update(self, task_ids: Sequence[uuid.UUID]) -> list[Task]:
        # As get_for_update: lock (in id order: batches never deadlock), then load.
        locked = list(
            self._session.execute(
                sa.select(tasks.c.id)
                .where(tasks.c.id.in_(task_ids))
                .order_by(tasks.c.id)
                .with_for_update(key_share=True)
            ).scalars()
        )
        if not locked:
            return []
        rows = self._session.execute(LOAD_TASK.where(tasks.c.id.in_(locked)).order_by(tasks.c.id))
        return [self._track(task_from_row(row)) for row in rows]

    def _locked_batch(
        self, condition: sa.ColumnElement[bool], order: Any, limit: int
    ) -> list[Task]:
        rows = self._session.execute(
            LOAD_TASK.where(condition)
            .order_by(*order)
            .limit(limit)
            .with_for_update(of=tasks, skip_locked=True)
        )
        return [self._track(task_from_row(row)) for row in rows]

    def overdue_candidates(self, now: datetime, limit: int) -> list[Task]:
        condition = sa.and_(
            _OPEN,
            tasks.c.is_archived.is_(False),
            tasks.c.is_overdue.is_(False),
            tasks.c.due_date <= now,
        )
        return self._locked_batch(condition, (tasks.c.due_date, tasks.c.id), limit)

    def due_soon_candidates(self, now: datetime, until: datetime, limit: int) -> list[Task]:
        condition = sa.and_(
            _OPEN,
            tasks.c.is_archived.is_(False),
            tasks.c.due_date > now,
            tasks.c.due_date <= until,
            tasks.c.due_soon_notified_for.is_distinct_from(tasks.c.due_date),
        )
        return self._locked_batch(condition, (tasks.c.due_date, tasks.c.id), limit)

    def subtasks(self, parent_id: uuid.UUID) -> list[Task]:
        """The parent's subtasks that are not archived, oldest first (not locked)."""
        rows = self._session.execute(
            LOAD_TASK.where(
                tasks.c.parent_task_id == parent_id, tasks.c.is_archived.is_(False)
            ).order_by(tasks.c.created_at, tasks.c.id)
        )
        return [task_from_row(row) for row in rows]

    def recurring_due(self, now: datetime, limit: int) -> list[Task]:
        """Recurring tasks due by `now` that begot no occurrence yet, locked (skipping the
        ones another worker holds)."""
        condition = sa.and_(
            tasks.c.recurrence.is_not(None),
            tasks.c.next_occurrence_id.is_(None),
            tasks.c.is_archived.is_(False),
            tasks.c.due_date <= now,
        )
        return self._locked_batch(condition, (tasks.c.due_date, tasks.c.id), limit)

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        condition = sa.and_(tasks.c.is_archived.is_(True), tasks.c.archived_at < cutoff)
        return self._locked_batch(condition, (tasks.c.archived_at, tasks.c.id), limit)

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Task]:
        condition = sa.true() if after is None else tasks.c.id > after
        rows = self._session.execute(LOAD_TASK.where(condition).order_by(tasks.c.id).limit(limit))
        return [self._track(task_from_row(row)) for row in rows]

    def save_all(self, saved: Sequence[tuple[Task, Sequence[events.TaskEvent]]]) -> None:
        """Tasks whose events only changed their own row (the escalation's priority raise,
        an overdue flag) are updated in one executemany; the others one by one. Then the
        scores of all that changed, one statement per instant."""
        simple: list[Task] = []
        rescore: dict[datetime, list[uuid.UUID]] = {}
        for task, recorded in saved:
            if {type(event) for event in recorded} <= _ROW_ONLY:
                if task.changed:  # an at-risk notice alone writes nothing to the task
                    simple.append(task)
            else:
                self._save(task, recorded)
            if task.id in self._seen and (task.changed or _created(recorded)):
                rescore.setdefault(task.updated_at, []).append(task.id)
        self._update_many(simple)
        for at, ids in rescore.items():
            refresh_scores(self._session, ids, at)

    def save(self, task: Task, recorded: Sequence[events.TaskEvent]) -> None:
        self.save_all([(task, recorded)])

    def _save(self, task: Task, recorded: Sequence[events.TaskEvent]) -> None:
        kinds = {type(event) for event in recorded}
        if events.TaskPurged in kinds:
            self._session.execute(tasks.delete().where(tasks.c.id == task.id))
            self._seen.pop(task.id, None)
            return
        if events.TaskCreated in kinds:
            self._insert(task)
        elif task.changed:
            self._update(task)
        if kinds & {events.AssigneesAdded, events.AssigneesRemoved}:
            self._session.execute(
                task_assignments.delete().where(
                    task_assignments.c.task_id == task.id,
                    task_assignments.c.user_id.not_in(task.assignee_ids),
                )
            )
            self._write_assignments(task)
        editor = _tag_editor(recorded)
        if editor is not None:
            self._write_tags(task, editor, replace=True)
        write_dependencies(self._session, task, recorded)
        for event in recorded:
            if isinstance(event, events.TaskDueSoon):
                self._session.execute(
                    tasks.update()
                    .where(tasks.c.id == task.id)
                    .values(due_soon_notified_for=event.due_date)
                )
        self._seen[task.id] = (task, task.version)

    def _insert(self, task: Task) -> None:
        self._session.execute(
            tasks.insert().values(
                id=task.id, created_by=task.created_by, created_at=task.created_at, **_values(task)
            )
        )
        self._write_assignments(task)
        self._write_tags(task, task.created_by, replace=False)

    def _update(self, task: Task) -> None:
        loaded_version = self._seen[task.id][1]
        result = self._session.execute(
            tasks.update()
            .where(tasks.c.id == task.id, tasks.c.version == loaded_version)
            .values(**_values(task))
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            current = self._session.execute(
                sa.select(tasks.c.version).where(tasks.c.id == task.id)
            ).scalar_one_or_none()
            raise StaleVersion(current)

    def _update_many(self, changed: Sequence[Task]) -> None:
        if len(changed) < 2:
            for task in changed:
                self._update(task)
                self._seen[task.id] = (task, task.version)
            return
        values = _values(changed[0])
        statement = (
            tasks.update()
            .where(tasks.c.id == sa.bindparam("_id"), tasks.c.version == sa.bindparam("_loaded"))
            .values({name: sa.bindparam(name) for name in values})
        )
        rows = [
            {"_id": task.id, "_loaded": self._seen[task.id][1], **_values(task)} for task in changed
        ]
        result = self._session.execute(statement, rows)
        if result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise StaleVersion(None)
        for task in changed:
            self._seen[task.id] = (task, task.version)

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
        found = self._link_tags(task.id, task.tags, by, task.updated_at)
        # The task now carries the tags' stored spelling ("Bug" for "bug").
        task.tags = list(dict.fromkeys(found[name][1] for name in task.tags))

    def _link_tags(
        self, task_id: uuid.UUID, names: Sequence[str], by: uuid.UUID, at: datetime
    ) -> dict[str, tuple[uuid.UUID, str]]:
        """Create the new names' tags and link all of them to the task in one statement
        (one round trip). A name whose tag another transaction created after this
        statement's snapshot (its insert waited, then yielded to that row) is not found
        there: it is resolved and linked afterwards, as `_stored_tags` does."""
        rows = self._session.execute(
            _LINK_TAGS,
            {
                "task": task_id,
                "ids": [uuid7() for _ in names],
                "names": list(names),
                "colour": DEFAULT_COLOUR,
                "by": by,
                "at": at,
            },
        )
        found = {row.given: (row.id, row.name) for row in rows if row.id is not None}
        missing = [name for name in names if name not in found]
        if missing:
            late = self._stored_tags(missing, by, at)
            self._session.execute(
                postgresql.insert(task_tags)
                .values([{"task_id": task_id, "tag_id": tag_id} for tag_id, _ in late.values()])
                .on_conflict_do_nothing()
            )
            found |= late
        return found

    def _stored_tags(
        self, names: Sequence[str], by: uuid.UUID, at: datetime
    ) -> dict[str, tuple[uuid.UUID, str]]:
        """Each name → (id, stored name) of its tag, created if new. Names are matched by
        the database's lower(), as its unique index is: Python's differs for a few letters
        ('İ', a final 'Σ')."""
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
            sa.text(
                "SELECT n.name AS given, g.id, g.name FROM unnest(CAST(:names AS text[])) "
                "AS n(name) JOIN tasks.tags g ON lower(g.name) = lower(n.name)"
            ),
            {"names": list(names)},
        )
        return {row.given: (row.id, row.name) for row in rows}

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        return [row.parent for row in self._session.execute(_ANCESTORS, {"id": task_id})]

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        row = self._session.connection().exec_driver_sql(GET_DOCUMENT, {"id": task_id}).first()
        if row is None:
            return None
        document = document_of(row)
        # This session has the server's TimeZone (the read side's are UTC): served in UTC.
        for name, value in document.fields.items():
            if isinstance(value, datetime):
                document.fields[name] = utc(value)
        return document
