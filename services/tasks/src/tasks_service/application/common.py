"""Steps every task write shares: the locked task, reference checks, history rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from taskhive_shared.ids import uuid7
from tasks_service.application.actors import actor_of
from tasks_service.application.ports import HistoryEntry, TaskDocument, TasksUnitOfWork
from tasks_service.domain.errors import StaleVersion, TaskNotFound, ValidationFailed
from tasks_service.domain.model import Change, Task, changes_as_json, check_parent
from tasks_service.domain.permissions import Actor, can_see, check_may_use_team


def load_actor(uow: TasksUnitOfWork, user_id: uuid.UUID) -> Actor:
    return actor_of(user_id, uow.replica.actor(user_id))


def lock_task(
    uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID, expected_version: int | None
) -> Task:
    """The task, locked, if the caller may see it (else 404) and If-Match holds (else 412)."""
    task = uow.tasks.get_for_update(task_id)
    if task is None or not can_see(actor, task):
        raise TaskNotFound()
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion(task.version)
    return task


def check_team(uow: TasksUnitOfWork, actor: Actor, team_id: uuid.UUID | None) -> None:
    if team_id is None:
        return
    if not uow.replica.team_exists(team_id):
        raise ValidationFailed.single("team_id", "No team has this id.")
    check_may_use_team(actor, team_id)


def check_parent_of(
    uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID, parent_id: uuid.UUID | None
) -> None:
    """The parent must be a task the caller sees, and not the task or one of its subtasks."""
    if parent_id is None:
        return
    parent = uow.tasks.document(parent_id) if parent_id != task_id else None
    if parent_id != task_id and (parent is None or not can_see(actor, parent)):
        raise ValidationFailed.single("parent_task_id", "No task you can see has this id.")
    check_parent(task_id, parent_id, uow.tasks.ancestors(parent_id))


def check_assignees(uow: TasksUnitOfWork, user_ids: Sequence[uuid.UUID], field: str) -> None:
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return
    known = uow.replica.active_user_ids(wanted)
    unknown = [str(user_id) for user_id in wanted if user_id not in known]
    if unknown:
        raise ValidationFailed.single(field, f"No active user has these ids: {', '.join(unknown)}.")


def record(
    uow: TasksUnitOfWork,
    task_id: uuid.UUID,
    action: str,
    actor_id: uuid.UUID | None,
    at: datetime,
    changes: Sequence[Change] | dict[str, dict[str, Any]],
) -> None:
    """Append one history row (in the use case's transaction)."""
    payload = changes if isinstance(changes, dict) else changes_as_json(changes)
    uow.history.append(HistoryEntry(uuid7(), task_id, action, actor_id, at, payload))


def document_of(uow: TasksUnitOfWork, task_id: uuid.UUID) -> TaskDocument:
    document = uow.tasks.document(task_id)
    if document is None:
        raise TaskNotFound()
    return document
