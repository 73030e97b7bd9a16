"""AssignTask and UnassignTask: the creator, managers and admins choose the assignees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tasks_service.application.common import (
    check_assignees,
    document_of,
    load_actor,
    lock_task,
    record,
)
from tasks_service.application.events import TASK_ASSIGNED, TASK_UNASSIGNED, assignment_data
from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.domain.model import Change
from tasks_service.domain.permissions import check_may_manage


@dataclass(frozen=True, slots=True)
class AssignTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    user_ids: tuple[uuid.UUID, ...]
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class AssignTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: AssignTask) -> TaskDocument:
        """Adds the users (already assigned ones stay as they are)."""
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            check_assignees(uow, command.user_ids, "user_ids")
            read_version = task.version
            added = task.assign(command.user_ids, by=actor.user_id, at=now)
            if added:
                task.mark_changed(now)
                uow.tasks.save(task, expected_version=read_version, assignments=True)
                record(
                    uow,
                    task.id,
                    "assigned",
                    actor.user_id,
                    now,
                    [Change("assignee_ids", [], added)],
                )
                uow.outbox.add_event(
                    TASK_ASSIGNED, str(task.id), assignment_data(task, actor.user_id, now, added)
                )
            document = document_of(uow, task.id)
            uow.commit()
        return document


@dataclass(frozen=True, slots=True)
class UnassignTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    user_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class UnassignTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: UnassignTask) -> int:
        """Returns the task's new version (404 when the user is not assigned)."""
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            read_version = task.version
            task.unassign(command.user_id)
            task.mark_changed(now)
            uow.tasks.save(task, expected_version=read_version, assignments=True)
            removed = [command.user_id]
            record(
                uow,
                task.id,
                "unassigned",
                actor.user_id,
                now,
                [Change("assignee_ids", removed, [])],
            )
            uow.outbox.add_event(
                TASK_UNASSIGNED, str(task.id), assignment_data(task, actor.user_id, now, removed)
            )
            uow.commit()
            return task.version
