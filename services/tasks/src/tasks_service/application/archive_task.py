"""ArchiveTask (DELETE: a soft delete) and RestoreTask: creator, managers and admins."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from tasks_service.application.common import document_of, load_actor, lock_task, record
from tasks_service.application.events import TASK_ARCHIVED, TASK_RESTORED, task_data
from tasks_service.application.ports import Clock, TaskDocument, UnitOfWorkFactory
from tasks_service.domain.model import Change
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
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            read_version = task.version
            if not task.archive(now):
                return
            task.mark_changed(now)
            uow.tasks.save(task, expected_version=read_version)
            record(
                uow, task.id, "archived", actor.user_id, now, [Change("is_archived", False, True)]
            )
            uow.outbox.add_event(TASK_ARCHIVED, str(task.id), task_data(task, actor.user_id, now))
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
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, command.expected_version)
            check_may_manage(actor, task)
            read_version = task.version
            if task.restore():
                task.mark_changed(now)
                uow.tasks.save(task, expected_version=read_version)
                record(
                    uow,
                    task.id,
                    "restored",
                    actor.user_id,
                    now,
                    [Change("is_archived", True, False)],
                )
                uow.outbox.add_event(
                    TASK_RESTORED, str(task.id), task_data(task, actor.user_id, now)
                )
            document = document_of(uow, task.id)
            uow.commit()
        return document
