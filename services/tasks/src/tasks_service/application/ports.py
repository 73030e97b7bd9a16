"""What the tasks use cases need from the outside world, by role."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from taskhive_shared.events.outbox import EventOutbox
from taskhive_shared.idempotency import IdempotencyStore
from tasks_service.application.notifications.ports import DailySummaries, NotificationLog
from tasks_service.domain.events import TaskEvent
from tasks_service.domain.model import Comment, Task
from tasks_service.domain.notifications import Recipient
from tasks_service.domain.tags import Tag
from tasks_service.domain.templates import TaskTemplate


class RawJson(str):
    """Text that already is JSON (built by the database); the HTTP layer embeds it as is."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class TaskDocument:
    """One task as the API shows it, read in one statement as plain values.

    `fields` is the representation (`assignees` is RawJson); `position` holds the values of
    the list's sort keys and id, from which the next page's cursor is made.
    """

    fields: dict[str, Any]
    position: tuple[Any, ...] = ()

    @property
    def id(self) -> uuid.UUID:
        value: uuid.UUID = self.fields["id"]
        return value

    @property
    def created_by(self) -> uuid.UUID:
        value: uuid.UUID = self.fields["created_by"]
        return value

    @property
    def team_id(self) -> uuid.UUID | None:
        value: uuid.UUID | None = self.fields["team_id"]
        return value

    @property
    def assignee_ids(self) -> list[uuid.UUID]:
        value: list[uuid.UUID] = self.fields["assignee_ids"]
        return value

    @property
    def version(self) -> int:
        return int(self.fields["version"])


SortName = Literal["created_at", "updated_at", "due_date", "priority", "status", "title", "rank"]


@dataclass(frozen=True, slots=True)
class SortKey:
    name: SortName
    descending: bool


@dataclass(frozen=True, slots=True)
class TaskFilter:
    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee: uuid.UUID | None = None
    created_by: uuid.UUID | None = None
    team: uuid.UUID | None = None
    tags: tuple[str, ...] = ()
    """Any of these tag names (case-insensitive)."""
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool | None = None
    archived: Literal["false", "true", "all"] = "false"
    parent: uuid.UUID | None = None
    top_level_only: bool = False
    updated_since: datetime | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Visibility:
    """A member's view: own, assigned and team tasks. None in a listing means staff."""

    user_id: uuid.UUID
    team_ids: tuple[uuid.UUID, ...]


@dataclass(frozen=True, slots=True)
class TaskListing:
    filter: TaskFilter
    sort: tuple[SortKey, ...]
    limit: int
    after: tuple[Any, ...] | None = None
    visible_to: Visibility | None = None


@dataclass(frozen=True, slots=True)
class ActorRecord:
    role: str | None
    """None when the replica does not know the user yet."""
    is_active: bool
    team_ids: tuple[uuid.UUID, ...]


class TaskReader(Protocol):
    """The read side: plain rows for the API, outside any unit of work."""

    def actor(self, user_id: uuid.UUID) -> ActorRecord: ...

    def get(self, task_id: uuid.UUID) -> TaskDocument | None: ...

    def list(self, listing: TaskListing) -> list[TaskDocument]: ...


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: uuid.UUID
    task_id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None
    at: datetime
    changes: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class CommentView:
    comment: Comment
    author_username: str | None
    author_display_name: str | None


@dataclass(frozen=True, slots=True)
class ReplicaUser:
    id: uuid.UUID
    username: str
    display_name: str
    email: str
    role: str
    is_active: bool
    version: int
    updated_at: datetime
    timezone: str = "UTC"
    notification_preferences: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReplicaTeam:
    id: uuid.UUID
    name: str
    version: int
    member_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)


class TaskRepository(Protocol):
    """The task aggregate. It remembers the tasks it handed out (`seen`); the unit of work
    saves those that recorded events (`save`) before it commits."""

    def add(self, task: Task) -> None: ...

    def get_for_update(self, task_id: uuid.UUID) -> Task | None:
        """Locks the task until the unit of work ends: writers of one task take turns."""

    def overdue_candidates(self, now: datetime, limit: int) -> list[Task]:
        """Open tasks due by `now` not flagged yet, locked (others' locked rows skipped)."""

    def due_soon_candidates(self, now: datetime, until: datetime, limit: int) -> list[Task]:
        """Open tasks due in (now, until] not announced for this due date, locked."""

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        """Locked, skipping rows another run holds."""

    def seen(self) -> list[Task]: ...

    def save(self, task: Task, recorded: Sequence[TaskEvent]) -> None:
        """Write what the events say changed; the row update is conditional on the version
        the task was loaded with (StaleVersion)."""

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        """The task's parent, its parent's parent … (nearest first)."""

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        """The task as the API shows it, read inside this unit of work."""


class HistoryLog(Protocol):
    def append(self, entry: HistoryEntry) -> None: ...

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[HistoryEntry]:
        """Newest first."""


class CommentRepository(Protocol):
    def add(self, comment: Comment) -> None: ...

    def get_for_update(self, comment_id: uuid.UUID) -> Comment | None: ...

    def save(self, comment: Comment, *, expected_version: int) -> None: ...

    def delete(self, comment_id: uuid.UUID) -> None: ...

    def view(self, comment_id: uuid.UUID) -> CommentView | None: ...

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[CommentView]:
        """Oldest first."""


class TagRepository(Protocol):
    def add(self, tag: Tag) -> None:
        """Raises Conflict when the name is taken in any letter case."""

    def page(self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None) -> list[Tag]:
        """In (lower(name), id) order, after the tag with this (name, id)."""


class TemplateRepository(Protocol):
    def add(self, template: TaskTemplate) -> None:
        """Raises Conflict when the name is taken in any letter case."""

    def get(self, template_id: uuid.UUID) -> TaskTemplate | None: ...

    def get_for_update(self, template_id: uuid.UUID) -> TaskTemplate | None: ...

    def save(self, template: TaskTemplate, *, expected_version: int) -> None: ...

    def delete(self, template_id: uuid.UUID) -> None: ...

    def page(
        self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None
    ) -> list[TaskTemplate]:
        """In (lower(name), id) order, after the template with this (name, id)."""


class UserReplica(Protocol):
    def upsert_user(self, user: ReplicaUser) -> bool:
        """Store the user unless the replica holds this or a newer version; True if stored."""

    def deactivate_user(self, user_id: uuid.UUID, version: int) -> bool:
        """Mark a known user inactive unless the replica holds a newer version."""

    def upsert_team(self, team: ReplicaTeam) -> bool:
        """Store the team and its whole member list, unless not newer than the replica's."""

    def delete_team(self, team_id: uuid.UUID, version: int) -> bool:
        """Tombstone the team (so an older update cannot revive it); memberships go."""

    def actor(self, user_id: uuid.UUID) -> ActorRecord: ...

    def active_user_ids(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...

    def team_exists(self, team_id: uuid.UUID) -> bool: ...

    def recipients(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        """The known ones among `user_ids`, with their email and preferences."""
        ...


class TasksUnitOfWork(Protocol):
    @property
    def tasks(self) -> TaskRepository: ...

    @property
    def history(self) -> HistoryLog: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def tags(self) -> TagRepository: ...

    @property
    def templates(self) -> TemplateRepository: ...

    @property
    def replica(self) -> UserReplica: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def notifications(self) -> NotificationLog: ...

    @property
    def summaries(self) -> DailySummaries: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run once the transaction has committed (e.g. enqueue a job reading its rows)."""
        ...

    @property
    def outbox(self) -> EventOutbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], TasksUnitOfWork]
"""A fresh unit of work per use-case call: handlers are shared across threads."""


class Clock(Protocol):
    def now(self) -> datetime: ...
