"""Tags: any active user lists and creates them; names are unique in any letter case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from taskhive_shared.ids import uuid7
from tasks_service.application.cursors import as_str, as_uuid, check_limit, decode, encode
from tasks_service.application.ports import Clock, UnitOfWorkFactory
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.tags import DEFAULT_COLOUR, Tag

_CURSOR_SPEC = "tags"


@dataclass(frozen=True, slots=True)
class CreateTag:
    actor_id: uuid.UUID
    name: str
    colour: str = DEFAULT_COLOUR


@dataclass(frozen=True, slots=True)
class CreateTagHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, command: CreateTag) -> Tag:
        with self.uow() as uow:
            actor = load_actor(uow, command.actor_id)
            tag = Tag.create(
                tag_id=uuid7(),
                name=command.name,
                colour=command.colour,
                created_by=actor.user_id,
                at=self.clock.now(),
            )
            uow.tags.add(tag)
            uow.commit()
        return tag


@dataclass(frozen=True, slots=True)
class TagQueries:
    uow: UnitOfWorkFactory

    def page(self, actor_id: uuid.UUID, limit: int, cursor: str | None, q: str | None) -> Page[Tag]:
        check_limit(limit)
        after = None
        if cursor is not None:
            key, last_id = decode(cursor, _CURSOR_SPEC, (as_str, as_uuid))
            after = (key, last_id)
        with self.uow() as uow:
            load_actor(uow, actor_id)
            rows = uow.tags.page(after, limit + 1, (q or "").strip() or None)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_CURSOR_SPEC, (items[-1].name, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)
