"""Dependencies between tasks (add, remove, list), the critical path of a parent, and the two
rules other writes follow: a task does not start or finish while a task blocking it is open,
and a parent with `auto_complete` follows its subtasks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from tasks_service.application.ports import Clock, LinkedTask, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.application.task_access import finish, load_actor, lock_task
from tasks_service.domain.dependencies import (
    BlockedByOpenTasks,
    Blocker,
    CriticalPath,
    DependencyExists,
    DependencyNotFound,
    check_no_cycle,
    critical_path,
    needs_unblocked,
)
from tasks_service.domain.errors import TaskNotFound
from tasks_service.domain.events import Change
from tasks_service.domain.model import CLOSED, Status, Task
from tasks_service.domain.permissions import Actor, can_see, check_may_edit

AUTO_DONE = "its last open subtask was closed"
AUTO_REOPENED = "a subtask was reopened"


@dataclass(frozen=True, slots=True)
class Dependencies:
    blocked_by: list[LinkedTask]
    blocks: list[LinkedTask]


@dataclass(frozen=True, slots=True)
class AddDependency:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    blocked_by_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RemoveDependency:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    blocked_by_id: uuid.UUID


def _lock_pair(
    uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID, other_id: uuid.UUID
) -> tuple[Task, Task]:
    """Both tasks, locked in id order (two requests on one pair never wait on each other
    crosswise); each must be visible to the caller (404)."""
    locked = {each: lock_task(uow, actor, each) for each in sorted({task_id, other_id})}
    return locked[task_id], locked[other_id]


@dataclass(frozen=True, slots=True)
class DependencyHandlers:
    uow: UnitOfWorkFactory
    clock: Clock

    def add(self, command: AddDependency) -> Dependencies:
        """`task_id` is blocked by `blocked_by_id` from now on; 409 with the cycle when the
        blocker already waits, directly or not, on the task."""
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            # Serialises every change of the graph: the check below sees all committed edges.
            uow.dependencies.lock_graph()
            task, blocker = _lock_pair(uow, actor, command.task_id, command.blocked_by_id)
            check_may_edit(actor, task)
            check_no_cycle(task.id, blocker.id, uow.dependencies.edges_from(blocker.id))
            if uow.dependencies.exists(task.id, blocker.id):
                raise DependencyExists()
            blocker.ensure_not_archived()
            task.link_dependency(task.id, blocker.id, by=actor.user_id, at=now)
            blocker.link_dependency(task.id, blocker.id, by=actor.user_id, at=now)
            finish(uow, task.id)
        return self.list(command.actor_id, command.task_id)

    def remove(self, command: RemoveDependency) -> None:
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            uow.dependencies.lock_graph()
            task, blocker = _lock_pair(uow, actor, command.task_id, command.blocked_by_id)
            check_may_edit(actor, task)
            if not uow.dependencies.exists(task.id, blocker.id):
                raise DependencyNotFound()
            task.unlink_dependency(task.id, blocker.id, by=actor.user_id, at=now)
            blocker.unlink_dependency(task.id, blocker.id, by=actor.user_id, at=now)
            finish(uow, task.id)

    def list(self, actor_id: uuid.UUID, task_id: uuid.UUID) -> Dependencies:
        """Both directions, each limited to the tasks the caller can see."""
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            _visible_task(uow, actor, task_id)
            return Dependencies(
                blocked_by=[t for t in uow.dependencies.blockers(task_id) if can_see(actor, t)],
                blocks=[t for t in uow.dependencies.blocked(task_id) if can_see(actor, t)],
            )

    def critical_path(self, actor_id: uuid.UUID, task_id: uuid.UUID) -> CriticalPath:
        """The longest chain of the parent's open subtasks (those the caller can see)."""
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            _visible_task(uow, actor, task_id)
            subtasks, edges = uow.dependencies.open_subtasks(task_id)
        estimates = {task.id: hours for task, hours in subtasks if can_see(actor, task)}
        return critical_path(estimates, edges)


def _visible_task(uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID) -> None:
    document = uow.tasks.document(task_id)
    if document is None or not can_see(actor, document):
        raise TaskNotFound()


def _status_move(changes: Sequence[Change]) -> tuple[Status, Status] | None:
    for change in changes:
        if change.field == "status":
            return change.old, change.new
    return None


def check_unblocked(
    uow: TasksUnitOfWork, actor: Actor, task: Task, changes: Sequence[Change]
) -> None:
    """409 (blocked-by-open-tasks) when the changes start or finish a task that an open
    task still blocks. Call after the aggregate's own checks, inside the unit of work."""
    move = _status_move(changes)
    if move is None or not needs_unblocked(*move):
        return
    open_blockers = [b for b in uow.dependencies.blockers(task.id) if b.is_open]
    if open_blockers:
        visible = [Blocker(b.id, b.title, b.status) for b in open_blockers if can_see(actor, b)]
        raise BlockedByOpenTasks(move[1].value, visible, len(open_blockers) - len(visible))


def follow_subtask(uow: TasksUnitOfWork, task: Task, changes: Sequence[Change]) -> None:
    """A parent with auto_complete moves to done when this subtask was its last open one,
    and back to in_progress when this subtask reopens; then its own parent follows it.

    The parent is locked after the child (always upwards), so two subtasks closing at once
    take turns and the second sees the first's status.
    """
    move = _status_move(changes)
    if move is None or task.parent_task_id is None:
        return
    old, new = move
    closed_now, reopened = new in CLOSED and old not in CLOSED, old in CLOSED and new not in CLOSED
    if not (closed_now or reopened):
        return
    parent = uow.tasks.get_for_update(task.parent_task_id)
    if parent is None or not parent.auto_complete or parent.is_archived:
        return
    parent_old = parent.status
    if closed_now:
        if uow.dependencies.other_open_subtasks(parent.id, task.id):
            return
        if any(b.is_open for b in uow.dependencies.blockers(parent.id)):
            return  # the parent is blocked itself: it waits, as a person's move would
        moved = parent.move_automatically(Status.DONE, reason=AUTO_DONE, at=task.updated_at)
    else:
        if parent.status != Status.DONE:
            return
        moved = parent.move_automatically(
            Status.IN_PROGRESS, reason=AUTO_REOPENED, at=task.updated_at
        )
    if moved:
        follow_subtask(uow, parent, [Change("status", parent_old, parent.status)])
