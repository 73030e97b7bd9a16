"""BulkEdit: up to 100 task operations (update, archive, restore, assign), all or nothing.

Each operation runs through its own use case, unchanged (permissions, workflow, If-Match-style
`version`), as if it were its own request, but all of them inside one transaction: the use
cases get a unit of work that shares the bulk's transaction and whose commit only records
(history, outbox) without committing. The first failure rolls everything back and names its
operation's index; nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from taskhive_shared.idempotency import IdempotencyStore
from tasks_service.application.archive_task import (
    ArchiveTask,
    ArchiveTaskHandler,
    RestoreTask,
    RestoreTaskHandler,
)
from tasks_service.application.assign_task import AssignTask, AssignTaskHandler
from tasks_service.application.notifications.ports import DailySummaries, NotificationLog
from tasks_service.application.ports import (
    AutomationRepository,
    Clock,
    CommentRepository,
    DependencyRepository,
    HistoryLog,
    TagRepository,
    TaskDocument,
    TaskRepository,
    TasksOutbox,
    TasksUnitOfWork,
    TemplateRepository,
    TimeRollups,
    UnitOfWorkFactory,
    UserReplica,
)
from tasks_service.application.recording import record_changes
from tasks_service.application.task_access import document_of, load_actor
from tasks_service.application.update_task import UpdateTask, UpdateTaskHandler
from tasks_service.domain.errors import TasksError, ValidationFailed

MAX_OPERATIONS = 100
Operation = UpdateTask | ArchiveTask | RestoreTask | AssignTask


@dataclass(frozen=True, slots=True)
class BulkEdit:
    actor_id: uuid.UUID
    operations: tuple[Operation, ...]


class BulkOperationFailed(TasksError):
    """Operation `index` was refused (the refusal is `error`); nothing was written."""

    def __init__(self, index: int, operation: Operation, error: TasksError) -> None:
        super().__init__(f"Operation {index} failed: {error}")
        self.index = index
        self.operation = operation
        self.error = error


class _SharedTransaction:
    """A unit of work inside another one: entering, leaving and committing neither begin nor
    end the transaction; a commit writes what the tasks recorded (history, outbox) so the
    next operation, and the use case's own answer, read it."""

    def __init__(self, outer: TasksUnitOfWork) -> None:
        self._outer = outer

    @property
    def tasks(self) -> TaskRepository:
        return self._outer.tasks

    @property
    def history(self) -> HistoryLog:
        return self._outer.history

    @property
    def comments(self) -> CommentRepository:
        return self._outer.comments

    @property
    def tags(self) -> TagRepository:
        return self._outer.tags

    @property
    def templates(self) -> TemplateRepository:
        return self._outer.templates

    @property
    def replica(self) -> UserReplica:
        return self._outer.replica

    @property
    def time_rollups(self) -> TimeRollups:
        return self._outer.time_rollups

    @property
    def idempotency(self) -> IdempotencyStore:
        return self._outer.idempotency

    @property
    def notifications(self) -> NotificationLog:
        return self._outer.notifications

    @property
    def summaries(self) -> DailySummaries:
        return self._outer.summaries

    @property
    def automation(self) -> AutomationRepository:
        return self._outer.automation

    @property
    def outbox(self) -> TasksOutbox:
        return self._outer.outbox

    @property
    def dependencies(self) -> DependencyRepository:
        return self._outer.dependencies

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._outer.after_commit(callback)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def commit(self) -> None:
        record_changes(self._outer)


def _handlers(
    shared: TasksUnitOfWork, clock: Clock
) -> dict[type[Any], Callable[[Any], TaskDocument | None]]:
    def within() -> TasksUnitOfWork:
        return shared

    return {
        UpdateTask: UpdateTaskHandler(within, clock),
        ArchiveTask: ArchiveTaskHandler(within, clock),
        RestoreTask: RestoreTaskHandler(within, clock),
        AssignTask: AssignTaskHandler(within, clock),
    }


@dataclass(frozen=True, slots=True)
class BulkEditHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: BulkEdit) -> list[TaskDocument]:
        """Each operation's task as the whole bulk leaves it, in the operations' order."""
        if not 1 <= len(command.operations) <= MAX_OPERATIONS:
            raise ValidationFailed.single(
                "operations", f"Between 1 and {MAX_OPERATIONS} operations."
            )
        if any(operation.actor_id != command.actor_id for operation in command.operations):
            raise ValueError("every operation is the bulk caller's")
        with self.uow() as uow:
            load_actor(uow, command.actor_id)  # a deactivated caller: 403 for the whole bulk
            # Lock every task first, in one order: two bulks naming the same tasks in
            # opposite orders wait for each other instead of deadlocking.
            for task_id in sorted({operation.task_id for operation in command.operations}):
                uow.tasks.get_for_update(task_id)
            handlers = _handlers(_SharedTransaction(uow), self.clock)
            for index, operation in enumerate(command.operations):
                try:
                    handlers[type(operation)](operation)
                except TasksError as error:
                    raise BulkOperationFailed(index, operation, error) from error
            record_changes(uow)
            documents = [document_of(uow, operation.task_id) for operation in command.operations]
            uow.commit()
        return documents
