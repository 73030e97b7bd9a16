"""Reads of tasks: one task, the list (filters, sorts, search, keyset pages), subtasks and
history. The list and the single task go through the read side (TaskReader): plain rows, no
aggregate, no unit of work."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import cast

from taskhive_shared.pagination import DEFAULT_LIMIT
from tasks_service.application.actors import actor_of
from tasks_service.application.cursors import (
    Decoder,
    as_datetime,
    as_float,
    as_int,
    as_optional_datetime,
    as_str,
    as_tier,
    as_uuid,
    check_limit,
    decode,
    encode,
)
from tasks_service.application.ports import (
    HistoryEntry,
    SortKey,
    SortName,
    TaskDocument,
    TaskFilter,
    TaskListing,
    TaskReader,
    UnitOfWorkFactory,
    Visibility,
)
from tasks_service.application.results import Page
from tasks_service.application.task_access import load_actor
from tasks_service.domain.errors import TaskNotFound, ValidationFailed
from tasks_service.domain.permissions import Actor, can_see

SORTABLE: dict[str, Decoder] = {
    "created_at": as_datetime,
    "updated_at": as_datetime,
    "due_date": as_optional_datetime,
    "priority": as_int,
    "status": as_int,
    "title": as_str,
    "score": as_int,
}
"""The sort whitelist, and how each key's value comes back out of a cursor."""
MAX_SORT_KEYS = 3
DEFAULT_SORT = (SortKey("created_at", descending=True),)
RANKED = (SortKey("rank", descending=True),)
_HISTORY_SPEC = "history"


def parse_sort(text: str | None, *, ranked: bool) -> tuple[SortKey, ...]:
    """`-due_date,priority` → keys; none given: by relevance with `q`, else newest first."""
    if text is None or not text.strip():
        return RANKED if ranked else DEFAULT_SORT
    keys: list[SortKey] = []
    for part in text.split(","):
        item = part.strip()
        name = item.removeprefix("-")
        if name not in SORTABLE:
            raise ValidationFailed.single(
                "sort", f"Sort by any of {', '.join(SORTABLE)} (prefix - for descending)."
            )
        if any(key.name == name for key in keys):
            raise ValidationFailed.single("sort", f"`{name}` appears twice.")
        keys.append(SortKey(cast(SortName, name), descending=item.startswith("-")))
    if len(keys) > MAX_SORT_KEYS:
        raise ValidationFailed.single("sort", f"At most {MAX_SORT_KEYS} sort keys.")
    return tuple(keys)


def sort_spec(keys: tuple[SortKey, ...]) -> str:
    return ",".join(("-" if key.descending else "") + key.name for key in keys)


_RANKED_POSITION: list[Decoder] = [as_tier, as_float, as_datetime, as_datetime, as_uuid, as_uuid]
"""tier, rank, created_at, the rank window's oldest created_at and id, id (ports.RANK_WINDOW)."""


def _decoders(keys: tuple[SortKey, ...]) -> list[Decoder]:
    if keys == RANKED:
        return _RANKED_POSITION
    return [SORTABLE[key.name] for key in keys] + [as_uuid]


@dataclass(frozen=True, slots=True)
class ListTasks:
    actor_id: uuid.UUID
    filter: TaskFilter = field(default_factory=TaskFilter)
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    sort: str | None = None


def visibility(actor: Actor) -> Visibility | None:
    if actor.is_staff:
        return None
    return Visibility(actor.user_id, tuple(sorted(actor.team_ids)))


def normalised(given: TaskFilter) -> TaskFilter:
    """The filter as the list applies it (the facets count under the very same one)."""
    return replace(
        given,
        statuses=tuple(dict.fromkeys(given.statuses)),
        priorities=tuple(dict.fromkeys(given.priorities)),
        # Lowered by the database (as the tags' unique index is), not here.
        tags=tuple(dict.fromkeys(tag.strip() for tag in given.tags if tag.strip())),
        text=(given.text or "").strip() or None,
    )


@dataclass(frozen=True, slots=True)
class TaskQueries:
    reader: TaskReader
    uow: UnitOfWorkFactory

    def _actor(self, actor_id: uuid.UUID) -> Actor:
        return actor_of(actor_id, self.reader.actor(actor_id))

    def get(self, actor_id: uuid.UUID, task_id: uuid.UUID) -> TaskDocument:
        actor = self._actor(actor_id)
        document = self.reader.get(task_id)
        if document is None or not can_see(actor, document):
            raise TaskNotFound()
        return document

    def list(self, query: ListTasks) -> Page[TaskDocument]:
        check_limit(query.limit)
        text = (query.filter.text or "").strip() or None
        keys = parse_sort(query.sort, ranked=text is not None)
        after = None
        if query.cursor is not None:
            after = decode(query.cursor, sort_spec(keys), _decoders(keys))
        actor = self._actor(query.actor_id)
        listing = TaskListing(
            filter=normalised(query.filter),
            sort=keys,
            limit=query.limit + 1,
            after=after,
            visible_to=visibility(actor),
        )
        rows = self.reader.list(listing)
        items = rows[: query.limit]
        next_cursor = None
        if len(rows) > query.limit:
            next_cursor = encode(sort_spec(keys), items[-1].position)
        ranked = listing.rank_window if keys == RANKED else None
        return Page(items=items, next_cursor=next_cursor, rank_window=ranked)

    def subtasks(self, query: ListTasks, task_id: uuid.UUID) -> Page[TaskDocument]:
        """The list, restricted to the direct subtasks of a task the caller sees."""
        self.get(query.actor_id, task_id)
        return self.list(replace(query, filter=replace(query.filter, parent=task_id)))

    def history(
        self, actor_id: uuid.UUID, task_id: uuid.UUID, limit: int, cursor: str | None
    ) -> Page[HistoryEntry]:
        check_limit(limit)
        after = None
        if cursor is not None:
            at, last_id = decode(cursor, _HISTORY_SPEC, (as_datetime, as_uuid))
            after = (at, last_id)
        with self.uow() as uow:
            actor = load_actor(uow, actor_id)
            document = uow.tasks.document(task_id)
            if document is None or not can_see(actor, document):
                raise TaskNotFound()
            rows = uow.history.page(task_id, after, limit + 1)
        items = rows[:limit]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode(_HISTORY_SPEC, (items[-1].at, items[-1].id))
        return Page(items=items, next_cursor=next_cursor)
