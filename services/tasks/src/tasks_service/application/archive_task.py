"""ArchiveTask (DELETE: a soft delete) and RestoreTask: creator, managers and admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.application.task_access import finish, load_actor, lock_task
from tasks_service.domain.permissions import check_may_manage


@dataclass(frozen=True, slots=True)
class ArchiveTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class ArchiveTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: ArchiveTask) -> None:
        """Archiving an archived task changes nothing (DELETE is idempotent)."""
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            task.archive(by=actor.user_id, at=self.clock.now())
            uow.commit()


@dataclass(frozen=True, slots=True)
class RestoreTask:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class RestoreTaskHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: RestoreTask) -> TaskDocument:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            task.restore(by=actor.user_id, at=self.clock.now())
            return finish(uow, task.id)
