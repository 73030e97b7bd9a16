"""Facets and suggestions: what the list's filters would find, counted, and what a search box
could complete to. Both read through the read side, over the tasks the caller may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal, Protocol

from tasks_service.application.actors import actor_of
from tasks_service.application.ports import TaskFilter, TaskReader, Visibility
from tasks_service.application.queries import normalised, visibility
from tasks_service.domain.errors import ValidationFailed

TOP = 20
"""Tags and assignees: the most frequent ones only."""
SUGGESTIONS = 10
SUGGEST_MAX_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Facets:
    total: int
    status: dict[str, int]
    priority: dict[str, int]
    tags: list[tuple[str, int]]
    """(name, count), most frequent first, then by name."""
    assignees: list[tuple[uuid.UUID, int]]
    overdue: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: Literal["tag", "task"]
    text: str
    task_id: uuid.UUID | None = None


class SearchReader(Protocol):
    """The read side of facets and suggestions (plain rows, no unit of work)."""

    def facets(self, wanted: TaskFilter, visible_to: Visibility | None, top: int) -> Facets: ...

    def suggest(self, text: str, visible_to: Visibility | None, limit: int) -> list[Suggestion]:
        """Tag names and titles of visible, unarchived tasks: prefixes first, then near
        spellings (trigram word similarity), nearest first."""


@dataclass(frozen=True, slots=True)
class TaskSearch:
    reader: TaskReader
    search: SearchReader

    def facets(self, actor_id: uuid.UUID, wanted: TaskFilter) -> Facets:
        actor = actor_of(actor_id, self.reader.actor(actor_id))
        return self.search.facets(normalised(wanted), visibility(actor), TOP)

    def suggest(self, actor_id: uuid.UUID, text: str) -> list[Suggestion]:
        actor = actor_of(actor_id, self.reader.actor(actor_id))
        wanted = " ".join(text.split())
        if not wanted:
            raise ValidationFailed.single("q", "Type at least one letter.")
        if len(wanted) > SUGGEST_MAX_LENGTH:
            raise ValidationFailed.single("q", f"At most {SUGGEST_MAX_LENGTH} characters.")
        return self.search.suggest(wanted, visibility(actor), SUGGESTIONS)
