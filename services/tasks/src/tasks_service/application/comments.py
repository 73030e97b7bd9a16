"""Comments: anyone who sees a task comments on it; authors edit and delete their own
(managers and admins may delete any). Each change is a history row of the task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from taskhive_shared.ids import uuid7
from tasks_service.application.cursors import as_datetime, as_uuid, check_limit, decode, encode
from tasks_service.application.ports import Clock, CommentView, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor, lock_task
from tasks_service.domain.errors import CommentNotFound, StaleVersion, TaskNotFound
from tasks_service.domain.model import Comment, Task
from tasks_service.domain.permissions import Actor, can_see, check_may_change_comment

_CURSOR_SPEC = "comments"


@dataclass(frozen=True, slots=True)
class AddComment:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    body: str


@dataclass(frozen=True, slots=True)
class AddCommentHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: AddComment) -> CommentView:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id)
            comment = task.add_comment(
                comment_id=uuid7(), body=command.body, by=actor.user_id, at=self.clock.now()
            )
            uow.comments.add(comment)
            view = _view(uow, comment.id)
            uow.commit()
            return view


def _view(uow: TasksUnitOfWork, comment_id: uuid.UUID) -> CommentView:
    view = uow.comments.view(comment_id)
    if view is None:
        raise CommentNotFound()
    return view


def _comment_of(
    uow: TasksUnitOfWork,
    actor: Actor,
    command: EditComment | DeleteComment,
    *,
    deleting: bool,
) -> tuple[Task, Comment]:
    """The task (locked) and its comment, if the caller may change it and If-Match holds."""
    task = lock_task(uow, actor, command.task_id)
    comment = uow.comments.get_for_update(command.comment_id)
    if comment is None or comment.task_id != task.id:
        raise CommentNotFound()
    check_may_change_comment(actor, comment.author_id, deleting=deleting)
    if command.expected_version is not None and command.expected_version != comment.version:
        raise StaleVersion(comment.version)
    return task, comment


@dataclass(frozen=True, slots=True)
class EditComment:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    comment_id: uuid.UUID
    body: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class EditCommentHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: EditComment) -> CommentView:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task, comment = _comment_of(uow, actor, command, deleting=False)
            read_version = comment.version
            if task.edit_comment(comment, command.body, by=actor.user_id, at=self.clock.now()):
                uow.comments.save(comment, expected_version=read_version)
            view = _view(uow, comment.id)
            uow.commit()
            return view


@dataclass(frozen=True, slots=True)
class DeleteComment:
    actor_id: uuid.UUID
    task_id: uuid.UUID
    comment_id: uuid.UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class DeleteCommentHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: DeleteComment) -> None:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task, comment = _comment_of(uow, actor, command, deleting=True)
            task.delete_comment(comment, by=actor.user_id, at=self.clock.now())
            uow.comments.delete(comment.id)
            uow.commit()


@dataclass(frozen=True, slots=True)
class CommentQueries:
    uow: UnitOfWorkFactory

    def page(
        self, actor_id: uuid.UUID, task_id: uuid.UUID, limit: int, cursor: str | None
    ) -> Page[CommentView]:
        check_limit(limit)
        after = None
        if cursor is not None:
            at, last_id = decode(cursor, _CURSOR_SPEC, (as_datetime, as_uuid))
            after = (at, last_id)
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            document = uow.tasks.document(task_id)
            if document is None or not can_see(actor, document):
                raise TaskNotFound()
            rows = uow.comments.page(task_id, after, limit + 1)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            last = items[-1].comment
            next_cursor = encode(_CURSOR_SPEC, (last.created_at, last.id))
        return Page(items=items, next_cursor=next_cursor)
