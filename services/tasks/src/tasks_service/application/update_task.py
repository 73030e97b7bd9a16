"""UpdateTask: PUT/PATCH of a task by its creator, assignees, managers or admins.

One request is one new version. Its changes are split the way consumers care about them:
status moves (`status_changed`), assignee changes (`assigned`/`unassigned`) and everything
else (`updated`), each with its history row, all in one transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from tasks_service.application.common import (
    check_assignees,
    check_parent_of,
    check_team,
    document_of,
    load_actor,
    lock_task,
    record,
)
from tasks_service.application.events import (
    TASK_ASSIGNED,
    TASK_STATUS_CHANGED,
    TASK_UNASSIGNED,
    TASK_UPDATED,
    assignment_data,
    status_changed_data,
    updated_data,
)
from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.domain.model import Change
from tasks_service.domain.permissions import check_may_edit, check_may_manage


@dataclass(frozen=True, slots=True)
class UpdateTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    values: dict[str, Any]
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
            if command.assignee_ids is not None:
                check_may_manage(actor, task)
            read_version = task.version
            old_status = task.status.value
            changes = task.edit(command.values, now)
            changed = {change.field for change in changes}
            if "team_id" in changed:
                check_team(uow, actor, task.team_id)
            if "parent_task_id" in changed:
                check_parent_of(uow, actor, task.id, task.parent_task_id)
            added: list[uuid.UUID] = []
            removed: list[uuid.UUID] = []
            if command.assignee_ids is not None:
                check_assignees(uow, command.assignee_ids, "assignee_ids")
                added, removed = task.set_assignees(command.assignee_ids, by=actor.user_id, at=now)
            if not changes and not added and not removed:
                return document_of(uow, task.id)
            task.mark_changed(now)
            uow.tasks.save(
                task,
                expected_version=read_version,
                assignments=bool(added or removed),
                tags="tags" in changed,
            )
            subject = str(task.id)
            edits = [change for change in changes if change.field != "status"]
            if edits:
                record(uow, task.id, "updated", actor.user_id, now, edits)
                uow.outbox.add_event(
                    TASK_UPDATED, subject, updated_data(task, actor.user_id, now, edits)
                )
            if "status" in changed:
                record(
                    uow,
                    task.id,
                    "status_changed",
                    actor.user_id,
                    now,
                    [Change("status", old_status, task.status)],
                )
                uow.outbox.add_event(
                    TASK_STATUS_CHANGED,
                    subject,
                    status_changed_data(task, actor.user_id, now, old_status),
                )
            if added:
                record(
                    uow,
                    task.id,
                    "assigned",
                    actor.user_id,
                    now,
                    [Change("assignee_ids", [], added)],
                )
                uow.outbox.add_event(
                    TASK_ASSIGNED, subject, assignment_data(task, actor.user_id, now, added)
                )
            if removed:
                record(
                    uow,
                    task.id,
                    "unassigned",
                    actor.user_id,
                    now,
                    [Change("assignee_ids", removed, [])],
                )
                uow.outbox.add_event(
                    TASK_UNASSIGNED, subject, assignment_data(task, actor.user_id, now, removed)
                )
            document = document_of(uow, task.id)
            uow.commit()
        return document
