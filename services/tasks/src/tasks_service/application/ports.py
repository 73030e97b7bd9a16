"""What the tasks use cases need from the outside world, by role."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from taskhive_shared.events.outbox import EventOutbox
from taskhive_shared.idempotency import IdempotencyStore
from tasks_service.application.notifications.ports import DailySummaries, NotificationLog
from tasks_service.domain.automation import Calendar, TeamSettings
from tasks_service.domain.calendar import WorkingCalendar
from tasks_service.domain.events import TaskEvent
from tasks_service.domain.model import Comment, Task
from tasks_service.domain.notifications import Recipient
from tasks_service.domain.sla import SlaPolicy, TaskSla
from tasks_service.domain.tags import Tag
from tasks_service.domain.templates import TaskTemplate
from tasks_service.domain.workflow import Priority, Status


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


SortName = Literal[
    "created_at", "updated_at", "due_date", "priority", "status", "title", "rank", "score"
]


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
    series: uuid.UUID | None = None
    """The occurrences of one recurring series."""
    sla_states: tuple[str, ...] = ()
    """Tasks whose SLA is in one of these states (tasks without an SLA never match)."""


@dataclass(frozen=True, slots=True)
class Visibility:
    """A member's view: own, assigned and team tasks. None in a listing means staff."""

    user_id: uuid.UUID
    team_ids: tuple[uuid.UUID, ...]


RANK_WINDOW = 1000
"""Relevance orders the newest this-many matches; older matches follow, newest first. The
position of a ranked row is (tier, rank, created_at, the window's oldest created_at and id,
id): tier 1 in the window, 2 after it."""


@dataclass(frozen=True, slots=True)
class TaskListing:
    filter: TaskFilter
    sort: tuple[SortKey, ...]
    limit: int
    after: tuple[Any, ...] | None = None
    visible_to: Visibility | None = None
    rank_window: int = RANK_WINDOW
    """Sorted by rank: how many of the newest matches are ranked (ADR 0027)."""


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
    available: bool = True
    """Auto-assignment skips people marked unavailable (absent from the event: available)."""


@dataclass(frozen=True, slots=True)
class ReplicaTeam:
    id: uuid.UUID
    name: str
    version: int
    member_ids: tuple[uuid.UUID, ...] = field(default_factory=tuple)


class TasksOutbox(EventOutbox, Protocol):
    """The outbox, with the batch form the record of many tasks' events uses."""

    def add_events(self, events: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        """Many `(event_type, subject, data)`, in this order."""


class TaskRepository(Protocol):
    """The task aggregate. It remembers the tasks it handed out (`seen`); the unit of work
    saves those that recorded events (`save`) before it commits."""

    def add(self, task: Task) -> None: ...

    def get_for_update(self, task_id: uuid.UUID) -> Task | None:
        """Locks the task until the unit of work ends: writers of one task take turns."""

    def get_many_for_update(self, task_ids: Sequence[uuid.UUID]) -> list[Task]:
        """`get_for_update` for a batch: locked in id order (so two batches never deadlock),
        then loaded in one statement; unknown ids are left out."""

    def overdue_candidates(self, now: datetime, limit: int) -> list[Task]:
        """Open tasks due by `now` not flagged yet, locked (others' locked rows skipped)."""

    def due_soon_candidates(self, now: datetime, until: datetime, limit: int) -> list[Task]:
        """Open tasks due in (now, until] not announced for this due date, locked."""

    def subtasks(self, parent_id: uuid.UUID) -> list[Task]:
        """The parent's subtasks that are not archived, oldest first (not locked)."""

    def recurring_due(self, now: datetime, limit: int) -> list[Task]:
        """Recurring tasks due by `now` that begot no occurrence yet, locked."""

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        """Locked, skipping rows another run holds."""

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Task]:
        """Every task (archived ones too) in id order after `after` (snapshots)."""

    def seen(self) -> list[Task]: ...

    def save(self, task: Task, recorded: Sequence[TaskEvent]) -> None:
        """Write what the events say changed; the row update is conditional on the version
        the task was loaded with (StaleVersion)."""

    def save_all(self, saved: Sequence[tuple[Task, Sequence[TaskEvent]]]) -> None:
        """`save` for each, the writes grouped where they can be (the version updates and
        the score refresh of a batch in one statement each)."""

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        """The task's parent, its parent's parent … (nearest first)."""

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        """The task as the API shows it, read inside this unit of work."""


@dataclass(frozen=True, slots=True)
class LinkedTask:
    """A task at the other end of a dependency (or a subtask): what the API lists and what
    the visibility rule needs."""

    id: uuid.UUID
    title: str
    status: str
    created_by: uuid.UUID
    team_id: uuid.UUID | None
    assignee_ids: tuple[uuid.UUID, ...]
    is_open: bool


ScoreCursor = tuple[str, uuid.UUID]
"""Where the score job's batches stand: (the last row's instant as PostgreSQL's text, which
may be `-infinity`; its id)."""


class DependencyRepository(Protocol):
    """The "blocked by" edges (written by the task repository from the tasks' events)."""

    def lock_graph(self) -> None:
        """Until the unit of work ends, no other one changes the dependency graph."""

    def exists(self, task_id: uuid.UUID, blocked_by_id: uuid.UUID) -> bool: ...

    def rescore(self, after: uuid.UUID, size: int, at: datetime) -> tuple[uuid.UUID | None, int]:
        """Store the score at `at` of up to `size` open tasks with ids after `after` (rows
        another transaction holds are skipped): (the batch's last id or None, rows changed)."""

    def last_refresh(self) -> datetime | None:
        """The moment of the score job's last completed run (None before the first)."""

    def record_refresh(self, at: datetime) -> None:
        """Remember `at` as the moment of the score job's last completed run."""

    def rescore_due(
        self, size: int, at: datetime, after: ScoreCursor
    ) -> tuple[ScoreCursor | None, int]:
        """Store the score of up to `size` open tasks whose score changes by `at`, after the
        cursor `after` (by the instant, then id), and of up to `size` blockers a writer
        skipped (rows another transaction holds are skipped): (the next batch's cursor, or
        None when none is left; scores changed)."""

    def edges_from(self, task_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """The (task, blocked_by) edges reachable from the task by following blockers."""

    def blockers(self, task_id: uuid.UUID) -> list[LinkedTask]:
        """The tasks that block this one."""

    def blocked(self, task_id: uuid.UUID) -> list[LinkedTask]:
        """The tasks this one blocks."""

    def open_subtasks(
        self, parent_id: uuid.UUID
    ) -> tuple[list[tuple[LinkedTask, Decimal | None]], list[tuple[uuid.UUID, uuid.UUID]]]:
        """The parent's open subtasks with their estimates, and the edges from them."""

    def other_open_subtasks(self, parent_id: uuid.UUID, child_id: uuid.UUID) -> bool:
        """Whether the parent has an open subtask besides this child."""


class HistoryLog(Protocol):
    def append(self, entry: HistoryEntry) -> None: ...

    def append_many(self, entries: Sequence[HistoryEntry]) -> None:
        """`append` for each, in one statement."""

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[HistoryEntry]:
        """Newest first."""

    def status_moves(
        self, task_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[tuple[datetime, str, str]]]:
        """Each task's status changes `(at, old, new)`, oldest first."""


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


@dataclass(frozen=True, slots=True)
class SlaSubject:
    """What picks a task's SLA policy and calendar, read without loading the aggregate."""

    task_id: uuid.UUID
    status: Status
    priority: Priority
    team_id: uuid.UUID | None
    tags: tuple[str, ...]


class AutomationRepository(Protocol):
    """Working calendars and team automation settings (ADR 0020)."""

    def add_calendar(self, calendar: Calendar) -> None: ...

    def calendar(self, calendar_id: uuid.UUID, *, for_update: bool = False) -> Calendar | None: ...

    def save_calendar(self, calendar: Calendar, *, expected_version: int) -> None: ...

    def delete_calendar(self, calendar_id: uuid.UUID) -> None: ...

    def calendar_in_use(self, calendar_id: uuid.UUID) -> bool: ...

    def calendar_page(self, after: tuple[str, uuid.UUID] | None, limit: int) -> list[Calendar]: ...

    def calendars_after(self, after: uuid.UUID | None, limit: int) -> list[Calendar]:
        """Every calendar in id order after `after` (snapshots)."""

    def team_settings(self, team_id: uuid.UUID, *, for_update: bool = False) -> TeamSettings:
        """The team's settings, the defaults (version 0) when it has none."""

    def team_settings_after(self, after: uuid.UUID | None, limit: int) -> list[TeamSettings]:
        """Every team's saved settings in team id order after `after` (snapshots)."""

    def save_team_settings(self, settings: TeamSettings, *, expected_version: int) -> None: ...

    def working_calendar(self, team_id: uuid.UUID | None) -> WorkingCalendar | None:
        """The calendar a team works, None for the default."""

    def add_policy(self, policy: SlaPolicy) -> None: ...

    def policy(self, policy_id: uuid.UUID, *, for_update: bool = False) -> SlaPolicy | None: ...

    def save_policy(self, policy: SlaPolicy, *, expected_version: int) -> None: ...

    def delete_policy(self, policy_id: uuid.UUID) -> None: ...

    def policy_page(self, after: tuple[str, uuid.UUID] | None, limit: int) -> list[SlaPolicy]: ...

    def policies(self) -> list[SlaPolicy]: ...

    def task_sla(self, task_id: uuid.UUID) -> TaskSla | None:
        """The task's SLA record, locked (callers hold the task's own lock first)."""

    def save_task_sla(self, sla: TaskSla) -> None: ...

    def task_slas(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskSla]:
        """`task_sla` for a batch, locked in id order (callers hold the tasks' locks)."""

    def save_task_slas(self, slas: Sequence[TaskSla]) -> None:
        """`save_task_sla` for each, in one statement."""

    def working_calendars(
        self, team_ids: Iterable[uuid.UUID | None]
    ) -> dict[uuid.UUID | None, WorkingCalendar]:
        """The calendar of each team (the default one for a team without, and for None)."""

    def managers_of(self, team_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, list[uuid.UUID]]:
        """`team_managers` of each team that has any."""

    def due_slas(self, now: datetime, limit: int) -> list[uuid.UUID]:
        """Tasks whose SLA state may have changed by `now`, soonest first."""

    def open_slas_after(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """Tasks whose SLA clock still runs, in id order after `after`."""

    def sla_subjects(self, task_ids: list[uuid.UUID]) -> list[SlaSubject]: ...

    def assignment_candidates(self, team_id: uuid.UUID) -> list[tuple[uuid.UUID, Decimal]]:
        """The team's active, available members and their open estimated hours, least
        loaded first, then by id."""

    def record_auto_assignment(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None: ...

    def team_managers(self, team_id: uuid.UUID | None) -> list[uuid.UUID]:
        """The active managers among a team's members."""


class TimeRollups(Protocol):
    """The minutes logged on tasks, from timetracking's events (ADR 0022)."""

    def apply(
        self, task_id: uuid.UUID, logged_minutes: int, rollup_version: int, at: datetime
    ) -> bool:
        """Keep the roll-up if newer than the stored one and write it to the task's
        `actual_hours`; False when it was stale."""
        ...

    def tracked(self, task_id: uuid.UUID) -> bool:
        """Whether time entries exist for the task (its `actual_hours` is then theirs)."""
        ...


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
    def dependencies(self) -> DependencyRepository: ...

    @property
    def comments(self) -> CommentRepository: ...

    @property
    def tags(self) -> TagRepository: ...

    @property
    def templates(self) -> TemplateRepository: ...

    @property
    def replica(self) -> UserReplica: ...

    @property
    def time_rollups(self) -> TimeRollups: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def notifications(self) -> NotificationLog: ...

    @property
    def summaries(self) -> DailySummaries: ...

    @property
    def automation(self) -> AutomationRepository: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run once the transaction has committed (e.g. enqueue a job reading its rows)."""
        ...

    @property
    def outbox(self) -> TasksOutbox: ...

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
