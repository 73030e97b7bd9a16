"""Comments: anyone who sees a task comments on it; authors edit and delete their own
(managers and admins may delete any). Each change is a history row of the task."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from taskhive_shared.ids import uuid7
from tasks_service.application.common import load_actor, lock_task, record
from tasks_service.application.cursors import as_datetime, as_uuid, check_limit, decode, encode
from tasks_service.application.events import TASK_COMMENTED, commented_data
from tasks_service.application.ports import Clock, CommentView, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.domain.errors import CommentNotFound, StaleVersion, TaskNotFound
from tasks_service.domain.model import Change, Comment
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
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            task = lock_task(uow, actor, command.task_id, None)
            task.ensure_not_archived()
            comment = Comment(
                id=uuid7(),
                task_id=task.id,
                author_id=actor.user_id,
                body=Comment.clean_body(command.body),
                created_at=now,
                updated_at=now,
            )
            uow.comments.add(comment)
            record(
                uow,
                task.id,
                "commented",
                actor.user_id,
                now,
                [Change("comment_id", None, comment.id)],
            )
            uow.outbox.add_event(TASK_COMMENTED, str(task.id), commented_data(task, comment, now))
            view = uow.comments.view(comment.id)
            uow.commit()
        if view is None:
            raise CommentNotFound()
        return view


def _comment_of(
    uow: TasksUnitOfWork, actor: Actor, task_id: uuid.UUID, comment_id: uuid.UUID
) -> Comment:
    task = lock_task(uow, actor, task_id, None)
    task.ensure_not_archived()
    comment = uow.comments.get_for_update(comment_id)
    if comment is None or comment.task_id != task.id:
        raise CommentNotFound()
    return comment


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
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            comment = _comment_of(uow, actor, command.task_id, command.comment_id)
            check_may_change_comment(actor, comment.author_id, deleting=False)
            if command.expected_version is not None and command.expected_version != comment.version:
                raise StaleVersion(comment.version)
            read_version = comment.version
            change = comment.edit(command.body, now)
            if change is not None:
                uow.comments.save(comment, expected_version=read_version)
                record(
                    uow,
                    comment.task_id,
                    "comment_edited",
                    actor.user_id,
                    now,
                    {
                        "comment_id": {"old": str(comment.id), "new": str(comment.id)},
                        "body": {"old": change.old, "new": change.new},
                    },
                )
            view = uow.comments.view(comment.id)
            uow.commit()
        if view is None:
            raise CommentNotFound()
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
        now = self.clock.now()
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            comment = _comment_of(uow, actor, command.task_id, command.comment_id)
            check_may_change_comment(actor, comment.author_id, deleting=True)
            if command.expected_version is not None and command.expected_version != comment.version:
                raise StaleVersion(comment.version)
            uow.comments.delete(comment.id)
            record(
                uow,
                comment.task_id,
                "comment_deleted",
                actor.user_id,
                now,
                {"comment_id": {"old": str(comment.id), "new": None}},
            )
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
