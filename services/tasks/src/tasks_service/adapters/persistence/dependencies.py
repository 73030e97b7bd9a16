"""PostgreSQL side of dependencies and scores: the edges, the reads the rules need, and the
stored `score` column kept up to date (formula: the SQL function tasks.task_score, 0004).

Cycle checks are serialised by one transaction-scoped advisory lock (ADR 0018): two inserts
that would together close a cycle cannot both pass their check, because the second one
checks only after the first has committed or rolled back.
"""

# ruff: noqa: S608
# (Statements are assembled from the constant fragments below; values are always bound.)
from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import task_dependencies
from tasks_service.application.ports import LinkedTask, ScoreCursor
from tasks_service.domain import events
from tasks_service.domain.model import CLOSED, Task

GRAPH_LOCK = 0x7461736B_64657073  # "taskdeps": one key for the whole dependency graph
_CLOSED = ", ".join(f"'{status.value}'" for status in sorted(CLOSED))
OPEN = f"NOT {{0}}.is_archived AND {{0}}.status NOT IN ({_CLOSED})"
"""An open task: neither closed nor archived (an archived blocker blocks nothing)."""

OPEN_BLOCKED = (
    "(SELECT count(*) FROM tasks.task_dependencies sd JOIN tasks.tasks sb ON sb.id = sd.task_id "
    f"WHERE sd.blocked_by_id = t.id AND {OPEN.format('sb')})"
)
_INPUTS = "t.status, t.priority, t.due_date, t.created_at, t.is_archived"
SCORE = f"tasks.task_score({_INPUTS}, {OPEN_BLOCKED}, :at)"
"""The score of row `t` at the moment bound as `:at`."""

_SCORED = (
    f"tasks.task_score({_INPUTS}, n.open_blocked, :at) AS score, "
    f"tasks.task_score_changes_at({_INPUTS}, n.open_blocked, :at) AS changes_at"
)
_OPEN_BLOCKED_OF_T = f"CROSS JOIN LATERAL (SELECT {OPEN_BLOCKED} AS open_blocked) n"
"""Row `t`'s score at `:at` and the instant it next changes (migration 0010), from one count
of the open tasks it blocks."""

_REFRESH = sa.text(
    # One array of ids (the tasks', then their blockers'): an index scan. `id = … OR id IN
    # (…)` made PostgreSQL scan every task, computing each one's score, on every write.
    # A blocker another transaction holds is left to the job (score_rechecks). A blocker's
    # next instant does not depend on the count that changed (an integer term): its score only.
    f"""WITH blockers AS (
        SELECT DISTINCT d.blocked_by_id AS id FROM tasks.task_dependencies d
        WHERE d.task_id = ANY(CAST(:ids AS uuid[]))),
    held AS (
        SELECT o.id FROM tasks.tasks o WHERE o.id IN (SELECT id FROM blockers)
        FOR NO KEY UPDATE OF o SKIP LOCKED),
    skipped AS (
        INSERT INTO tasks.score_rechecks (task_id)
        SELECT b.id FROM blockers b WHERE b.id NOT IN (SELECT id FROM held)
        ON CONFLICT DO NOTHING)
    UPDATE tasks.tasks u SET score = s.score, score_changes_at = s.changes_at
    FROM (SELECT t.id, {_SCORED} FROM tasks.tasks t {_OPEN_BLOCKED_OF_T}
          WHERE t.id = ANY(CAST(:ids AS uuid[]) || ARRAY(SELECT id FROM held))) s
    WHERE u.id = s.id AND (u.score IS DISTINCT FROM s.score OR (u.id = ANY(CAST(:ids AS uuid[]))
        AND u.score_changes_at IS DISTINCT FROM s.changes_at))"""
)

REFRESH_BATCH = sa.text(
    f"""WITH batch AS (
        SELECT t.id FROM tasks.tasks t WHERE {OPEN.format("t")} AND t.id > :after
        ORDER BY t.id LIMIT :size FOR NO KEY UPDATE SKIP LOCKED),
    changed AS (
        UPDATE tasks.tasks u SET score = s.score, score_changes_at = s.changes_at
        FROM (SELECT t.id, {_SCORED} FROM batch b JOIN tasks.tasks t ON t.id = b.id
              {_OPEN_BLOCKED_OF_T}) s
        WHERE u.id = s.id AND (u.score, u.score_changes_at) IS DISTINCT FROM
            (s.score, s.changes_at) RETURNING u.id)
    SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM changed)"""
)
"""Every open task, in id order (the full sweep: `RefreshScores(full=True)`)."""

REFRESH_DUE = sa.text(
    f"""WITH due AS (
        SELECT t.id, t.score_changes_at AS changes_at FROM tasks.tasks t
        WHERE {OPEN.format("t")} AND t.score_changes_at <= :at
        AND (t.score_changes_at, t.id) > (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid))
        ORDER BY t.score_changes_at, t.id LIMIT :size FOR NO KEY UPDATE SKIP LOCKED),
    rechecked AS (
        DELETE FROM tasks.score_rechecks r WHERE r.task_id IN (
            SELECT k.task_id FROM tasks.score_rechecks k
            JOIN tasks.tasks t ON t.id = k.task_id
            ORDER BY k.task_id LIMIT :size
            FOR UPDATE OF k SKIP LOCKED FOR NO KEY UPDATE OF t SKIP LOCKED)
        RETURNING r.task_id AS id),
    orphans AS (
        DELETE FROM tasks.score_rechecks r
        WHERE NOT EXISTS (SELECT 1 FROM tasks.tasks t WHERE t.id = r.task_id)),
    written AS (
        UPDATE tasks.tasks u SET score = s.score, score_changes_at = s.changes_at
        FROM (SELECT t.id, t.score AS was, {_SCORED} FROM tasks.tasks t {_OPEN_BLOCKED_OF_T}
              WHERE t.id IN (SELECT id FROM due UNION SELECT id FROM rechecked)) s
        WHERE u.id = s.id AND (u.score, u.score_changes_at) IS DISTINCT FROM
            (s.score, s.changes_at)
        RETURNING s.score <> s.was AS changed),
    last AS (SELECT changes_at, id FROM due ORDER BY changes_at DESC, id DESC LIMIT 1)
    SELECT (SELECT count(*) FROM due) AS due, (SELECT count(*) FROM rechecked) AS rechecked,
        (SELECT CAST(changes_at AS text) FROM last) AS last_at, (SELECT id FROM last) AS last_id,
        (SELECT count(*) FROM written WHERE changed) AS changed"""
)
"""Up to `size` open tasks whose score changes by `:at`, after the cursor (`after_at`,
`after_id`: the old instant and id of the previous batch's last row, so that no batch steps
over the index entries its predecessors left behind), and up to `size` blockers a writer
skipped (those of purged tasks dropped). Every due row is written: its next instant moves
past `:at`. Rows another transaction holds are left for the next run."""
_LAST_REFRESH = "SELECT at FROM tasks.score_refreshes"
_RECORD_REFRESH = """INSERT INTO tasks.score_refreshes (id, at) VALUES (true, :at)
    ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at"""

_REACHABLE_EDGES = sa.text(
    """WITH RECURSIVE reach(id) AS (
        SELECT CAST(:start AS uuid)
        UNION
        SELECT d.blocked_by_id FROM reach r JOIN tasks.task_dependencies d ON d.task_id = r.id
    )
    SELECT d.task_id, d.blocked_by_id FROM tasks.task_dependencies d
    WHERE d.task_id IN (SELECT id FROM reach)"""
)

_LINKED_COLUMNS = """o.id, o.title, o.status, o.created_by, o.team_id, o.is_archived,
    ARRAY(SELECT a.user_id FROM tasks.task_assignments a WHERE a.task_id = o.id) AS assignee_ids"""

_BLOCKERS = sa.text(
    f"""SELECT {_LINKED_COLUMNS} FROM tasks.task_dependencies d
    JOIN tasks.tasks o ON o.id = d.blocked_by_id WHERE d.task_id = :id ORDER BY o.id"""
)
_BLOCKED = sa.text(
    f"""SELECT {_LINKED_COLUMNS} FROM tasks.task_dependencies d
    JOIN tasks.tasks o ON o.id = d.task_id WHERE d.blocked_by_id = :id ORDER BY o.id"""
)

_SUBTASKS = sa.text(
    f"""SELECT {_LINKED_COLUMNS.replace("o.", "t.")}, t.estimated_hours FROM tasks.tasks t
    WHERE t.parent_task_id = :parent AND {OPEN.format("t")} ORDER BY t.id"""
)
_SUBTASK_EDGES = sa.text(
    f"""SELECT d.task_id, d.blocked_by_id FROM tasks.tasks t
    JOIN tasks.task_dependencies d ON d.task_id = t.id
    WHERE t.parent_task_id = :parent AND {OPEN.format("t")}"""
)
_OTHER_OPEN_SUBTASKS = sa.text(
    f"""SELECT EXISTS (SELECT 1 FROM tasks.tasks t
    WHERE t.parent_task_id = :parent AND t.id <> :child AND {OPEN.format("t")})"""
)


def _linked(row: Any) -> LinkedTask:
    return LinkedTask(
        id=row.id,
        title=row.title,
        status=row.status,
        created_by=row.created_by,
        team_id=row.team_id,
        assignee_ids=tuple(row.assignee_ids),
        is_open=not row.is_archived and row.status not in {s.value for s in CLOSED},
    )


def write_dependencies(session: Session, task: Task, recorded: Sequence[events.TaskEvent]) -> None:
    """The edges the task's events add or remove (written once: by the blocked task)."""
    for event in recorded:
        if not isinstance(event, events.DependencyAdded | events.DependencyRemoved):
            continue
        if event.task_id != event.blocked_id:
            continue
        if isinstance(event, events.DependencyAdded):
            session.execute(
                task_dependencies.insert().values(
                    task_id=event.blocked_id,
                    blocked_by_id=event.blocking_id,
                    created_by=event.actor_id,
                    created_at=event.at,
                )
            )
        else:
            session.execute(
                task_dependencies.delete().where(
                    task_dependencies.c.task_id == event.blocked_id,
                    task_dependencies.c.blocked_by_id == event.blocking_id,
                )
            )


def refresh_scores(session: Session, task_ids: Sequence[uuid.UUID], at: datetime) -> None:
    """The tasks' scores (locked by the caller), and those of the tasks blocking them (their
    count of open blocked tasks may have changed), in one statement. A blocker another
    transaction holds is skipped rather than waited for: no lock-order deadlocks; its own
    writer or the periodic job refreshes it."""
    session.execute(_REFRESH, {"ids": list(task_ids), "at": at})


class SqlAlchemyDependencyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock_graph(self) -> None:
        self._session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": GRAPH_LOCK})

    def rescore(self, after: uuid.UUID, size: int, at: datetime) -> tuple[uuid.UUID | None, int]:
        last, changed = self._session.execute(
            REFRESH_BATCH, {"after": after, "size": size, "at": at}
        ).one()
        return last, int(changed)

    def last_refresh(self) -> datetime | None:
        return self._session.execute(sa.text(_LAST_REFRESH)).scalar_one_or_none()

    def record_refresh(self, at: datetime) -> None:
        self._session.execute(sa.text(_RECORD_REFRESH), {"at": at})

    def rescore_due(
        self, size: int, at: datetime, after: ScoreCursor
    ) -> tuple[ScoreCursor | None, int]:
        row = self._session.execute(
            REFRESH_DUE, {"size": size, "at": at, "after_at": after[0], "after_id": after[1]}
        ).one()
        more = row.due == size or row.rechecked == size
        cursor = (row.last_at, row.last_id) if row.last_id is not None else after
        return (cursor if more else None), int(row.changed)

    def exists(self, task_id: uuid.UUID, blocked_by_id: uuid.UUID) -> bool:
        found = self._session.execute(
            sa.select(task_dependencies.c.task_id).where(
                task_dependencies.c.task_id == task_id,
                task_dependencies.c.blocked_by_id == blocked_by_id,
            )
        ).first()
        return found is not None

    def edges_from(self, task_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        rows = self._session.execute(_REACHABLE_EDGES, {"start": task_id})
        return [(row.task_id, row.blocked_by_id) for row in rows]

    def blockers(self, task_id: uuid.UUID) -> list[LinkedTask]:
        return [_linked(row) for row in self._session.execute(_BLOCKERS, {"id": task_id})]

    def blocked(self, task_id: uuid.UUID) -> list[LinkedTask]:
        return [_linked(row) for row in self._session.execute(_BLOCKED, {"id": task_id})]

    def open_subtasks(
        self, parent_id: uuid.UUID
    ) -> tuple[list[tuple[LinkedTask, Decimal | None]], list[tuple[uuid.UUID, uuid.UUID]]]:
        subtasks = [
            (_linked(row), row.estimated_hours)
            for row in self._session.execute(_SUBTASKS, {"parent": parent_id})
        ]
        edges = [
            (row.task_id, row.blocked_by_id)
            for row in self._session.execute(_SUBTASK_EDGES, {"parent": parent_id})
        ]
        return subtasks, edges

    def other_open_subtasks(self, parent_id: uuid.UUID, child_id: uuid.UUID) -> bool:
        return bool(
            self._session.execute(
                _OTHER_OPEN_SUBTASKS, {"parent": parent_id, "child": child_id}
            ).scalar_one()
        )
