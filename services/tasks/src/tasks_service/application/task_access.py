"""The steps every task use case shares: who calls, the task they may touch, the
references they name, and the answer read back in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from tasks_service.application.actors import actor_of
from tasks_service.application.ports import TaskDocument, TasksUnitOfWork
from tasks_service.application.recording import record_changes
from tasks_service.domain.errors import StaleVersion, TaskNotFound, ValidationFailed
from tasks_service.domain.model import Task, check_parent
from tasks_service.domain.permissions import Actor, can_see, check_may_use_team


def load_actor(uow: TasksUnitOfWork, user_id: uuid.UUID) -> Actor:
    return actor_of(user_id, uow.replica.actor(user_id))


def lock_task(
    uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID, expected_version: int | None = None
) -> Task:
    """The task, locked, if the caller may see it (else 404) and If-Match holds (else 412)."""
    task = uow.tasks.get_for_update(task_id)
    if task is None or not can_see(actor, task):
        raise TaskNotFound()
    if expected_version is not None and expected_version != task.version:
        raise StaleVersion(task.version)
    return task


def check_references(
    uow: TasksUnitOfWork, actor: Actor, task: Task, changed: Collection[str]
) -> None:
    """The team and parent a task was just given must exist and be the caller's to use."""
    if "team_id" in changed and task.team_id is not None:
        if not uow.replica.team_exists(task.team_id):
            raise ValidationFailed.single("team_id", "No team has this id.")
        check_may_use_team(actor, task.team_id)
    if "parent_task_id" in changed and task.parent_task_id is not None:
        parent_id = task.parent_task_id
        parent = uow.tasks.document(parent_id) if parent_id != task.id else None
        if parent_id != task.id and (parent is None or not can_see(actor, parent)):
            raise ValidationFailed.single("parent_task_id", "No task you can see has this id.")
        check_parent(task.id, parent_id, uow.tasks.ancestors(parent_id))


def check_assignees(uow: TasksUnitOfWork, user_ids: Sequence[uuid.UUID], field: str) -> None:
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return
    known = uow.replica.active_user_ids(wanted)
    unknown = [str(user_id) for user_id in wanted if user_id not in known]
    if unknown:
        raise ValidationFailed.single(field, f"No active user has these ids: {', '.join(unknown)}.")


def document_of(uow: TasksUnitOfWork, task_id: uuid.UUID) -> TaskDocument:
    document = uow.tasks.document(task_id)
    if document is None:
        raise TaskNotFound()
    return document


def finish(uow: TasksUnitOfWork, task_id: uuid.UUID) -> TaskDocument:
    """Write what was recorded, read the task as the API shows it, commit."""
    record_changes(uow)
    document = document_of(uow, task_id)
    uow.commit()
    return document
