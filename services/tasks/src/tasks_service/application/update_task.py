"""UpdateTask: PUT (replace) and PATCH (some fields) of a task by its creator, assignees,
managers or admins. One request is one new version; the task records its own events
(edited, status changed, assignees added/removed)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from tasks_service.application.dependencies import check_unblocked, follow_subtask
from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.application.task_access import (
    check_assignees,
    check_references,
    finish,
    load_actor,
    lock_task,
)
from tasks_service.application.time_rollup import check_hours_writable
from tasks_service.domain.model import EDITABLE, TaskFields
from tasks_service.domain.permissions import check_may_edit, check_may_manage


@dataclass(frozen=True, slots=True)
class UpdateTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    fields: TaskFields
    given: Collection[str] = EDITABLE
    """The fields to set from `fields`: all of them for PUT, those sent for PATCH."""
    assignee_ids: tuple[uuid.UUID, ...] | None = None
    """When given, replaces the assignee set (needs the right to assign)."""
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class UpdateTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: UpdateTask) -> TaskDocument:
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_edit(actor, task)
            changes = task.update(command.fields, command.given, by=actor.user_id, at=now)
            check_hours_writable(uow, task.id, {change.field for change in changes})
            check_references(uow, actor, task, {change.field for change in changes})
            check_unblocked(uow, actor, task, changes)
            if command.assignee_ids is not None:
                check_may_manage(actor, task)
                check_assignees(uow, command.assignee_ids, "assignee_ids")
                task.set_assignees(command.assignee_ids, by=actor.user_id, at=now)
            follow_subtask(uow, task, changes)
            return finish(uow, task.id)
