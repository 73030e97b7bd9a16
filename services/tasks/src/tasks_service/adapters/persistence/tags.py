"""PostgreSQL repository of tags (names unique in any letter case), and the name-clash and
page helpers the template repository shares."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import tags
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.domain.errors import Conflict
from tasks_service.domain.tags import Tag


@contextmanager
def name_clash_is(session: Session, index: str, message: str) -> Iterator[None]:
    """The unique index decides a name race; its violation becomes a domain Conflict."""
    try:
        with session.begin_nested():
            yield
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", "") or ""
        if constraint == index:
            raise Conflict(message) from exc
        raise


def page_query(table: sa.Table, after: tuple[str, uuid.UUID] | None, text: str | None) -> Any:
    """In (lower(name), id) order, after the row with this (name, id): lowered by the
    database on both sides (Python's lower() differs from PostgreSQL's for a few letters)."""
    key = sa.func.lower(table.c.name)
    query = sa.select(table)
    if text is not None:
        query = query.where(table.c.name.icontains(text, autoescape=True))
    if after is not None:
        name, last_id = after
        query = query.where(sa.tuple_(key, table.c.id) > sa.tuple_(sa.func.lower(name), last_id))
    return query.order_by(key, table.c.id)


class SqlAlchemyTagRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, tag: Tag) -> None:
        with name_clash_is(self._session, "uq_tags_name_lower", "A tag with this name exists."):
            self._session.execute(
                tags.insert().values(
                    id=tag.id,
                    name=tag.name,
                    colour=tag.colour,
                    created_by=tag.created_by,
                    created_at=tag.created_at,
                )
            )

    def page(self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None) -> list[Tag]:
        rows = self._session.execute(page_query(tags, after, text).limit(limit))
        return [
            Tag(row.id, row.name, row.colour, row.created_by, utc(row.created_at)) for row in rows
        ]
