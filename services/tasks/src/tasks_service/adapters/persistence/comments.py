"""PostgreSQL repository of comments, on the unit of work's session."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import comments, replica_users
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.application.ports import CommentView
from tasks_service.domain.errors import StaleVersion
from tasks_service.domain.model import Comment

_VIEW = sa.select(
    comments,
    replica_users.c.username.label("author_username"),
    replica_users.c.display_name.label("author_display_name"),
).select_from(comments.outerjoin(replica_users, replica_users.c.id == comments.c.author_id))


def _comment(row: Any) -> Comment:
    return Comment(
        id=row.id,
        task_id=row.task_id,
        author_id=row.author_id,
        body=row.body,
        created_at=utc(row.created_at),
        updated_at=utc(row.updated_at),
        version=row.version,
    )


def _view(row: Any) -> CommentView:
    return CommentView(_comment(row), row.author_username, row.author_display_name)


class SqlAlchemyCommentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, comment: Comment) -> None:
        self._session.execute(
            comments.insert().values(
                id=comment.id,
                task_id=comment.task_id,
                author_id=comment.author_id,
                body=comment.body,
                created_at=comment.created_at,
                updated_at=comment.updated_at,
                version=comment.version,
            )
        )

    def get_for_update(self, comment_id: uuid.UUID) -> Comment | None:
        row = self._session.execute(
            sa.select(comments).where(comments.c.id == comment_id).with_for_update()
        ).first()
        return _comment(row) if row else None

    def save(self, comment: Comment, *, expected_version: int) -> None:
        result = self._session.execute(
            comments.update()
            .where(comments.c.id == comment.id, comments.c.version == expected_version)
            .values(body=comment.body, updated_at=comment.updated_at, version=comment.version)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise StaleVersion(None)

    def delete(self, comment_id: uuid.UUID) -> None:
        self._session.execute(comments.delete().where(comments.c.id == comment_id))

    def view(self, comment_id: uuid.UUID) -> CommentView | None:
        row = self._session.execute(_VIEW.where(comments.c.id == comment_id)).first()
        return _view(row) if row else None

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[CommentView]:
        query = _VIEW.where(comments.c.task_id == task_id)
        if after is not None:
            query = query.where(sa.tuple_(comments.c.created_at, comments.c.id) > sa.tuple_(*after))
        rows = self._session.execute(
            query.order_by(comments.c.created_at, comments.c.id).limit(limit)
        )
        return [_view(row) for row in rows]
