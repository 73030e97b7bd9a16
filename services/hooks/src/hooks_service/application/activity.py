"""The activity feed: what happened on what the caller may see, newest first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from hooks_service.domain.activity import sentence
from hooks_service.domain.visibility import Viewer


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    task_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    type_prefix: str | None = None


@dataclass(frozen=True, slots=True)
class ActivityItem:
    id: uuid.UUID
    seq: int
    type: str
    time: datetime
    actor_id: uuid.UUID | None
    actor_name: str | None
    task_id: uuid.UUID | None
    team_id: uuid.UUID | None
    summary: str
    data: dict[str, Any]


class ActivityReader(Protocol):
    """Reads the event log through the caller's visibility (adapters: SQL)."""

    def viewer(self, user_id: uuid.UUID, token_role: str) -> Viewer: ...

    def page(
        self, viewer: Viewer, filters: ActivityFilter, limit: int, before_seq: int | None
    ) -> list[tuple[int, uuid.UUID, str, datetime, dict[str, Any]]]: ...

    def names(self, user_ids: list[str]) -> dict[str, str]: ...


class ActivityQueries:
    def __init__(self, reader: ActivityReader) -> None:
        self._reader = reader

    def page(
        self,
        user_id: uuid.UUID,
        role: str,
        filters: ActivityFilter,
        limit: int,
        before_seq: int | None,
    ) -> tuple[list[ActivityItem], int | None]:
        viewer = self._reader.viewer(user_id, role)
        rows = self._reader.page(viewer, filters, limit + 1, before_seq)
        more = len(rows) > limit
        rows = rows[:limit]
        people: list[str] = []
        for _, _, _, _, data in rows:
            people += [str(v) for k, v in data.items() if k.endswith("_id") and v]
            people += [str(v) for v in data.get("assignee_ids", [])]
            people += [
                str(data[k]) for k in ("changed_by", "created_by", "deleted_by") if data.get(k)
            ]
        names = self._reader.names(people)

        def name(user: str | None) -> str:
            if user is None:
                return "Taskhive"
            return names.get(str(user), "someone")

        items = []
        for seq, event_id, event_type, time, data in rows:
            actor = next(
                (
                    data[k]
                    for k in ("actor_id", "changed_by", "created_by", "deleted_by")
                    if data.get(k)
                ),
                None,
            )
            items.append(
                ActivityItem(
                    id=event_id,
                    seq=seq,
                    type=event_type,
                    time=time,
                    actor_id=uuid.UUID(actor) if actor else None,
                    actor_name=name(actor) if actor else None,
                    task_id=uuid.UUID(data["task_id"]) if event_type.startswith("tasks.") else None,
                    team_id=uuid.UUID(data["team_id"]) if data.get("team_id") else None,
                    summary=sentence(event_type, data, name),
                    data=data,
                )
            )
        return items, (rows[-1][0] if more and rows else None)
