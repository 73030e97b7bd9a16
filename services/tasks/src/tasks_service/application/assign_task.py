"""AssignTask and UnassignTask: the creator, managers and admins choose the assignees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.application.task_access import check_assignees, finish, load_actor, lock_task
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
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            check_assignees(uow, command.user_ids, "user_ids")
            task.assign(command.user_ids, by=actor.user_id, at=self.clock.now())
            return finish(uow, task.id)


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
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            task.unassign(command.user_id, by=actor.user_id, at=self.clock.now())
            uow.commit()
            return task.version
