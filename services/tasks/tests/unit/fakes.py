"""In-memory fakes at tasks' ports, for unit tests of the use cases.

Like the real adapters where it matters: repositories hand out copies (a handler that forgets
to save writes nothing), saves are conditional on the version, names are unique in any
letter case, a purge takes the task's comments and history with it, a unit of work keeps
only what was committed (and runs its after-commit callbacks only then), and the outbox
validates every event against its contract.
"""

from __future__ import annotations

import contextlib
import copy
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cmp_to_key
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from taskhive_shared.events.contracts import ContractRegistry
from taskhive_shared.idempotency import IdempotencyRecord, RecordedResponse
from taskhive_shared.ids import uuid7
from tasks_service.application.archive_task import ArchiveTaskHandler, RestoreTaskHandler
from tasks_service.application.assign_task import AssignTaskHandler, UnassignTaskHandler
from tasks_service.application.comments import (
    AddCommentHandler,
    CommentQueries,
    DeleteCommentHandler,
    EditCommentHandler,
)
from tasks_service.application.create_task import CreateTask, CreateTaskHandler
from tasks_service.application.notifications.ports import (
    NewNotification,
    NotificationFilter,
    NotificationRecord,
    SummaryTask,
    UserSummary,
)
from tasks_service.application.notifications.queries import NotificationQueries
from tasks_service.application.ports import (
    ActorRecord,
    CommentView,
    HistoryEntry,
    LinkedTask,
    RawJson,
    ReplicaTeam,
    ReplicaUser,
    ScoreCursor,
    SlaSubject,
    SortKey,
    TaskDocument,
    TaskListing,
)
from tasks_service.application.purge_archived import PurgeArchivedTasksHandler
from tasks_service.application.queries import RANKED, TaskQueries
from tasks_service.application.recording import record_changes
from tasks_service.application.replica import ReplicaSync
from tasks_service.application.scheduled import (
    CheckOverdueTasks,
    GenerateDailySummaries,
    RemindDueSoonTasks,
    RetryStaleNotifications,
)
from tasks_service.application.tags import CreateTagHandler, TagQueries
from tasks_service.application.templates import TemplateHandlers
from tasks_service.application.update_task import UpdateTask, UpdateTaskHandler
from tasks_service.domain import events
from tasks_service.domain.automation import Calendar, TeamSettings
from tasks_service.domain.calendar import DEFAULT_CALENDAR, WorkingCalendar
from tasks_service.domain.errors import Conflict, StaleVersion
from tasks_service.domain.model import CLOSED, Comment, Priority, Status, Task, TaskFields
from tasks_service.domain.notifications import NotificationStatus, NotificationType, Recipient
from tasks_service.domain.sla import SlaPolicy, TaskSla
from tasks_service.domain.tags import DEFAULT_COLOUR, Tag
from tasks_service.domain.templates import TaskTemplate

CONTRACTS = ContractRegistry()

STATUS_RANK = {status: rank for rank, status in enumerate(Status)}
"""As the database computes `status_rank` (todo 0 … cancelled 5)."""
PRIORITY_RANK = {priority: rank for rank, priority in enumerate(Priority)}
"""As the database computes `priority_rank` (low 0 … urgent 3)."""
LISTED_TASKS = 10


@dataclass
class StoredKey:
    request_hash: str
    response: RecordedResponse | None
    created_at: datetime


@dataclass
class StoredTeam:
    team: ReplicaTeam
    is_deleted: bool = False


@dataclass
class State:
    tasks: dict[uuid.UUID, Task] = field(default_factory=dict)
    due_soon_announced: dict[uuid.UUID, datetime] = field(default_factory=dict)
    comments: dict[uuid.UUID, Comment] = field(default_factory=dict)
    history: list[HistoryEntry] = field(default_factory=list)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """The outbox: (type, data) in the order written."""
    users: dict[uuid.UUID, ReplicaUser] = field(default_factory=dict)
    teams: dict[uuid.UUID, StoredTeam] = field(default_factory=dict)
    keys: dict[tuple[uuid.UUID, str], StoredKey] = field(default_factory=dict)
    tags: dict[uuid.UUID, Tag] = field(default_factory=dict)
    templates: dict[uuid.UUID, TaskTemplate] = field(default_factory=dict)
    notifications: dict[uuid.UUID, NotificationRecord] = field(default_factory=dict)
    last_attempts: dict[uuid.UUID, datetime] = field(default_factory=dict)
    dependencies: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)
    """(task, blocked_by) edges."""
    calendars: dict[uuid.UUID, Calendar] = field(default_factory=dict)
    team_settings: dict[uuid.UUID, TeamSettings] = field(default_factory=dict)
    sla_policies: dict[uuid.UUID, SlaPolicy] = field(default_factory=dict)
    slas: dict[uuid.UUID, TaskSla] = field(default_factory=dict)

    def snapshot(self) -> State:
        """Every table copied, its rows shared: rows are never changed in place, only
        replaced (readers get deep copies), so this is as good as a deep copy, and cheap."""
        return State(**{f.name: copy.copy(getattr(self, f.name)) for f in fields(self)})


class FakeStore:
    """The committed state, with helpers that put users and teams into the replica."""

    def __init__(self) -> None:
        self.state = State()

    def add_user(
        self,
        role: str = "member",
        *teams: uuid.UUID,
        active: bool = True,
        timezone: str = "UTC",
        **preferences: bool,
    ) -> uuid.UUID:
        user_id = uuid.uuid4()
        number = len(self.state.users) + 1
        self.state.users[user_id] = ReplicaUser(
            id=user_id,
            username=f"user{number}",
            display_name=f"User {number}",
            email=f"user{number}@example.org",
            role=role,
            is_active=active,
            version=1,
            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
            timezone=timezone,
            notification_preferences=preferences,
        )
        for team_id in teams:
            stored = self.state.teams.get(team_id) or StoredTeam(ReplicaTeam(team_id, "Team", 1))
            members = (*stored.team.member_ids, user_id)
            self.state.teams[team_id] = replace(
                stored, team=replace(stored.team, member_ids=members)
            )
        return user_id

    def deactivate(self, user_id: uuid.UUID) -> None:
        user = self.state.users[user_id]
        self.state.users[user_id] = replace(user, is_active=False, version=user.version + 1)

    def add_team(self, *members: uuid.UUID, name: str = "Team") -> uuid.UUID:
        team_id = uuid.uuid4()
        self.state.teams[team_id] = StoredTeam(ReplicaTeam(team_id, name, 1, tuple(members)))
        return team_id

    def history_of(self, task_id: uuid.UUID) -> list[HistoryEntry]:
        return [entry for entry in self.state.history if entry.task_id == task_id]

    def event_types(self) -> list[str]:
        return [event_type for event_type, _ in self.state.events]


def _copy(item: Any) -> Any:
    return copy.deepcopy(item)


# --- tasks -----------------------------------------------------------------------------


def _hours(value: Any) -> str | None:
    return None if value is None else str(value)


def document_of(state: State, task: Task, position: tuple[Any, ...] = ()) -> TaskDocument:
    """A task as the read side shows it (the shape of `task_sql.COLUMNS`)."""
    people = []
    for assignment in task.assignments:
        user = state.users.get(assignment.user_id)
        people.append(
            {
                "id": str(assignment.user_id),
                "username": user.username if user else None,
                "display_name": user.display_name if user else None,
                "assigned_by": str(assignment.assigned_by),
                "assigned_at": assignment.assigned_at.isoformat(),
            }
        )
    row = {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "status": task.status.value,
        "priority": task.priority.value,
        "due_date": task.due_date,
        "estimated_hours": _hours(task.estimated_hours),
        "actual_hours": _hours(task.actual_hours),
        "team_id": task.team_id,
        "parent_task_id": task.parent_task_id,
        "metadata": RawJson(json.dumps(task.metadata)),
        "recurrence": None if task.recurrence is None else RawJson(json.dumps(task.recurrence)),
        "series_id": task.series_id,
        "tags": sorted(task.tags, key=str.lower),
        "created_by": task.created_by,
        "assignee_ids": task.assignee_ids,
        "assignees": RawJson(json.dumps(people)),
        "is_archived": task.is_archived,
        "archived_at": task.archived_at,
        "is_overdue": task.is_overdue,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
    }
    return TaskDocument(fields=row, position=position)


class FakeTaskRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self._seen: dict[uuid.UUID, tuple[Task, int]] = {}

    @property
    def _state(self) -> State:
        return self._uow.state

    def _track(self, task: Task) -> Task:
        self._seen[task.id] = (task, task.version)
        return task

    def add(self, task: Task) -> None:
        self._track(task)

    def get_for_update(self, task_id: uuid.UUID) -> Task | None:
        task = self._state.tasks.get(task_id)
        return self._track(_copy(task)) if task is not None else None

    def get_many_for_update(self, task_ids: Sequence[uuid.UUID]) -> list[Task]:
        found = (self.get_for_update(task_id) for task_id in sorted(set(task_ids)))
        return [task for task in found if task is not None]

    def seen(self) -> list[Task]:
        return [task for task, _ in self._seen.values()]

    def _batch(self, wanted: Callable[[Task], bool], order: Any, limit: int) -> list[Task]:
        found = sorted((t for t in self._state.tasks.values() if wanted(t)), key=order)[:limit]
        return [self._track(_copy(task)) for task in found]

    def batch_after(self, after: uuid.UUID | None, limit: int) -> list[Task]:
        return self._batch(lambda t: after is None or t.id > after, lambda t: t.id, limit)

    def overdue_candidates(self, now: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: (
                t.status not in CLOSED
                and not t.is_archived
                and not t.is_overdue
                and t.due_date is not None
                and t.due_date <= now
            ),
            lambda t: (t.due_date, t.id),
            limit,
        )

    def due_soon_candidates(self, now: datetime, until: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: (
                t.status not in CLOSED
                and not t.is_archived
                and t.due_date is not None
                and now < t.due_date <= until
                and self._state.due_soon_announced.get(t.id) != t.due_date
            ),
            lambda t: (t.due_date, t.id),
            limit,
        )

    def subtasks(self, parent_id: uuid.UUID) -> list[Task]:
        children = [
            t
            for t in self._state.tasks.values()
            if t.parent_task_id == parent_id and not t.is_archived
        ]
        return [_copy(t) for t in sorted(children, key=lambda t: (t.created_at, t.id))]

    def recurring_due(self, now: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: (
                t.recurrence is not None
                and t.next_occurrence_id is None
                and not t.is_archived
                and t.due_date is not None
                and t.due_date <= now
            ),
            lambda t: (t.due_date, t.id),
            limit,
        )

    def archived_before(self, cutoff: datetime, limit: int) -> list[Task]:
        return self._batch(
            lambda t: t.is_archived and t.archived_at is not None and t.archived_at < cutoff,
            lambda t: (t.archived_at, t.id),
            limit,
        )

    def save_all(self, saved: Sequence[tuple[Task, Sequence[events.TaskEvent]]]) -> None:
        for task, recorded in saved:
            self.save(task, recorded)

    def save(self, task: Task, recorded: Sequence[events.TaskEvent]) -> None:
        state = self._state
        kinds = {type(event) for event in recorded}
        if events.TaskPurged in kinds:
            # ON DELETE CASCADE (comments, history) and SET NULL (subtasks' parent).
            del state.tasks[task.id]
            state.due_soon_announced.pop(task.id, None)
            state.comments = {k: c for k, c in state.comments.items() if c.task_id != task.id}
            state.history = [h for h in state.history if h.task_id != task.id]
            for other_id, other in state.tasks.items():
                if other.parent_task_id == task.id:
                    state.tasks[other_id] = replace(other, parent_task_id=None)
            self._seen.pop(task.id, None)
            return
        for event in recorded:
            if (
                isinstance(event, events.DependencyAdded | events.DependencyRemoved)
                and event.task_id == event.blocked_id
            ):
                edge = (event.blocked_id, event.blocking_id)
                state.dependencies = (
                    state.dependencies | {edge}
                    if isinstance(event, events.DependencyAdded)
                    else state.dependencies - {edge}
                )
        stored = state.tasks.get(task.id)
        if events.TaskCreated in kinds:
            if stored is not None:
                raise AssertionError(f"task {task.id} inserted twice")
            self._write_tags(task, task.created_by)
            state.tasks[task.id] = _as_stored(task)
        elif task.changed:
            loaded = self._seen[task.id][1]
            if stored is None or stored.version != loaded:
                raise StaleVersion(stored.version if stored else None)
            editor = _tag_editor(recorded)
            if editor is not None:
                self._write_tags(task, editor)
            state.tasks[task.id] = _as_stored(task)
        for event in recorded:
            if isinstance(event, events.TaskDueSoon):
                state.due_soon_announced[task.id] = event.due_date
        self._seen[task.id] = (task, task.version)

    def _write_tags(self, task: Task, by: uuid.UUID) -> None:
        """Unknown names become tags (default colour); the task takes the stored spelling."""
        known = {tag.name.lower(): tag.name for tag in self._state.tags.values()}
        for name in task.tags:
            if name.lower() not in known:
                tag = Tag(uuid7(), name, DEFAULT_COLOUR, by, task.updated_at)
                self._state.tags[tag.id] = tag
                known[name.lower()] = name
        task.tags = [known[name.lower()] for name in task.tags]

    def ancestors(self, task_id: uuid.UUID) -> list[uuid.UUID]:
        chain: list[uuid.UUID] = []
        task = self._state.tasks.get(task_id)
        current = task.parent_task_id if task else None
        while current is not None and current in self._state.tasks:
            chain.append(current)
            current = self._state.tasks[current].parent_task_id
        return chain

    def document(self, task_id: uuid.UUID) -> TaskDocument | None:
        task = self._state.tasks.get(task_id)
        return document_of(self._state, task) if task else None


def _as_stored(task: Task) -> Task:
    """What a row holds: no pending events, no "changed in this unit of work" mark."""
    row = _copy(task)
    row.events, row.changed = [], False
    return row


def _tag_editor(recorded: Sequence[events.TaskEvent]) -> uuid.UUID | None:
    editors = [
        event.actor_id
        for event in recorded
        if isinstance(event, events.TaskEdited) and any(c.field == "tags" for c in event.changes)
    ]
    return editors[-1] if editors else None


class FakeDependencyRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow
        self.graph_locked = False

    @property
    def _state(self) -> State:
        return self._uow.state

    def _linked(self, task_id: uuid.UUID) -> LinkedTask:
        task = self._state.tasks[task_id]
        return LinkedTask(
            id=task.id,
            title=task.title,
            status=task.status.value,
            created_by=task.created_by,
            team_id=task.team_id,
            assignee_ids=tuple(task.assignee_ids),
            is_open=not task.is_archived and task.status not in CLOSED,
        )

    def lock_graph(self) -> None:
        self.graph_locked = True

    def rescore(self, after: uuid.UUID, size: int, at: datetime) -> tuple[uuid.UUID | None, int]:
        raise NotImplementedError("scores are SQL only (tested against PostgreSQL)")

    def rescore_due(
        self, size: int, at: datetime, after: ScoreCursor
    ) -> tuple[ScoreCursor | None, int]:
        raise NotImplementedError("scores are SQL only (tested against PostgreSQL)")

    def last_refresh(self) -> datetime | None:
        raise NotImplementedError("scores are SQL only (tested against PostgreSQL)")

    def record_refresh(self, at: datetime) -> None:
        raise NotImplementedError("scores are SQL only (tested against PostgreSQL)")

    def exists(self, task_id: uuid.UUID, blocked_by_id: uuid.UUID) -> bool:
        return (task_id, blocked_by_id) in self._state.dependencies

    def edges_from(self, task_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        return sorted(self._state.dependencies)

    def blockers(self, task_id: uuid.UUID) -> list[LinkedTask]:
        return [self._linked(b) for t, b in sorted(self._state.dependencies) if t == task_id]

    def blocked(self, task_id: uuid.UUID) -> list[LinkedTask]:
        return [self._linked(t) for t, b in sorted(self._state.dependencies) if b == task_id]

    def _open_children(self, parent_id: uuid.UUID) -> list[Task]:
        return [
            t
            for t in self._state.tasks.values()
            if t.parent_task_id == parent_id and not t.is_archived and t.status not in CLOSED
        ]

    def open_subtasks(
        self, parent_id: uuid.UUID
    ) -> tuple[list[tuple[LinkedTask, Decimal | None]], list[tuple[uuid.UUID, uuid.UUID]]]:
        children = self._open_children(parent_id)
        ids = {t.id for t in children}
        return (
            [(self._linked(t.id), t.estimated_hours) for t in children],
            [(t, b) for t, b in sorted(self._state.dependencies) if t in ids],
        )

    def other_open_subtasks(self, parent_id: uuid.UUID, child_id: uuid.UUID) -> bool:
        return any(t.id != child_id for t in self._open_children(parent_id))


class FakeHistoryLog:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def append(self, entry: HistoryEntry) -> None:
        if entry.task_id not in self._uow.state.tasks:
            raise AssertionError("history of a task that is not stored (foreign key)")
        self._uow.state.history.append(entry)

    def append_many(self, entries: Sequence[HistoryEntry]) -> None:
        for entry in entries:
            self.append(entry)

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[HistoryEntry]:
        rows = sorted(
            (h for h in self._uow.state.history if h.task_id == task_id),
            key=lambda h: (h.at, h.id),
            reverse=True,
        )
        if after is not None:
            rows = [h for h in rows if (h.at, h.id) < after]
        return rows[:limit]


class FakeCommentRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _comments(self) -> dict[uuid.UUID, Comment]:
        return self._uow.state.comments

    def add(self, comment: Comment) -> None:
        if comment.task_id not in self._uow.state.tasks:
            raise AssertionError("comment on a task that is not stored (foreign key)")
        self._comments[comment.id] = _copy(comment)

    def get_for_update(self, comment_id: uuid.UUID) -> Comment | None:
        return _copy(self._comments.get(comment_id))

    def save(self, comment: Comment, *, expected_version: int) -> None:
        stored = self._comments.get(comment.id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(None)
        self._comments[comment.id] = _copy(comment)

    def delete(self, comment_id: uuid.UUID) -> None:
        self._comments.pop(comment_id, None)

    def _view(self, comment: Comment) -> CommentView:
        author = self._uow.state.users.get(comment.author_id)
        return CommentView(
            _copy(comment),
            author.username if author else None,
            author.display_name if author else None,
        )

    def view(self, comment_id: uuid.UUID) -> CommentView | None:
        comment = self._comments.get(comment_id)
        return self._view(comment) if comment else None

    def page(
        self, task_id: uuid.UUID, after: tuple[datetime, uuid.UUID] | None, limit: int
    ) -> list[CommentView]:
        rows = sorted(
            (c for c in self._comments.values() if c.task_id == task_id),
            key=lambda c: (c.created_at, c.id),
        )
        if after is not None:
            rows = [c for c in rows if (c.created_at, c.id) > after]
        return [self._view(c) for c in rows[:limit]]


def _named_page(items: Sequence[Any], after: Any, limit: int, text: str | None) -> list[Any]:
    """(lower(name), id) order, `icontains` search, rows after the cursor's (stored name, id)
    — folded like the database folds both sides."""
    rows = sorted(items, key=lambda item: (item.name.lower(), item.id))
    if text is not None:
        rows = [item for item in rows if text.lower() in item.name.lower()]
    if after is not None:
        name, last_id = after
        rows = [item for item in rows if (item.name.lower(), item.id) > (name.lower(), last_id)]
    return [_copy(item) for item in rows[:limit]]


class FakeTagRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add(self, tag: Tag) -> None:
        tags = self._uow.state.tags
        if any(t.name.lower() == tag.name.lower() for t in tags.values()):
            raise Conflict("A tag with this name exists.")
        tags[tag.id] = tag

    def page(self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None) -> list[Tag]:
        return _named_page(list(self._uow.state.tags.values()), after, limit, text)


class FakeTemplateRepository:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _templates(self) -> dict[uuid.UUID, TaskTemplate]:
        return self._uow.state.templates

    def _check_name(self, template: TaskTemplate) -> None:
        for other in self._templates.values():
            if other.id != template.id and other.name.lower() == template.name.lower():
                raise Conflict("A task template with this name exists.")

    def add(self, template: TaskTemplate) -> None:
        self._check_name(template)
        self._templates[template.id] = _copy(template)

    def get(self, template_id: uuid.UUID) -> TaskTemplate | None:
        return _copy(self._templates.get(template_id))

    def get_for_update(self, template_id: uuid.UUID) -> TaskTemplate | None:
        return _copy(self._templates.get(template_id))

    def save(self, template: TaskTemplate, *, expected_version: int) -> None:
        self._check_name(template)
        stored = self._templates.get(template.id)
        if stored is None or stored.version != expected_version:
            raise StaleVersion(None)
        self._templates[template.id] = _copy(template)

    def delete(self, template_id: uuid.UUID) -> None:
        self._templates.pop(template_id, None)

    def page(
        self, after: tuple[str, uuid.UUID] | None, limit: int, text: str | None
    ) -> list[TaskTemplate]:
        return _named_page(list(self._templates.values()), after, limit, text)


# --- the replica of users and teams ----------------------------------------------------


class FakeAutomationRepository:
    """Calendars, team settings, SLA policies and clocks, as dictionaries of the state."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _state(self) -> State:
        return self._uow.state

    def add_calendar(self, calendar: Calendar) -> None:
        self._state.calendars[calendar.id] = _copy(calendar)

    def calendar(self, calendar_id: uuid.UUID, *, for_update: bool = False) -> Calendar | None:
        return _copy(self._state.calendars.get(calendar_id))

    def save_calendar(self, calendar: Calendar, *, expected_version: int) -> None:
        self._state.calendars[calendar.id] = _copy(calendar)

    def delete_calendar(self, calendar_id: uuid.UUID) -> None:
        del self._state.calendars[calendar_id]

    def calendar_in_use(self, calendar_id: uuid.UUID) -> bool:
        return any(s.calendar_id == calendar_id for s in self._state.team_settings.values())

    def calendar_page(self, after: Any, limit: int) -> list[Calendar]:
        rows = sorted(self._state.calendars.values(), key=lambda c: (c.name, c.id))
        return [_copy(c) for c in rows if after is None or (c.name, c.id) > after][:limit]

    def calendars_after(self, after: uuid.UUID | None, limit: int) -> list[Calendar]:
        ids = sorted(i for i in self._state.calendars if after is None or i > after)[:limit]
        return [_copy(self._state.calendars[i]) for i in ids]

    def team_settings(self, team_id: uuid.UUID, *, for_update: bool = False) -> TeamSettings:
        return _copy(self._state.team_settings.get(team_id)) or TeamSettings(team_id=team_id)

    def team_settings_after(self, after: uuid.UUID | None, limit: int) -> list[TeamSettings]:
        teams = self._state.team_settings
        ids = sorted(i for i in teams if after is None or i > after)[:limit]
        return [_copy(teams[i]) for i in ids]

    def save_team_settings(self, settings: TeamSettings, *, expected_version: int) -> None:
        self._state.team_settings[settings.team_id] = _copy(settings)

    def working_calendar(self, team_id: uuid.UUID | None) -> WorkingCalendar | None:
        settings = self._state.team_settings.get(team_id) if team_id else None
        if settings is None or settings.calendar_id is None:
            return None
        return self._state.calendars[settings.calendar_id].hours

    def add_policy(self, policy: SlaPolicy) -> None:
        self._state.sla_policies[policy.id] = _copy(policy)

    def policy(self, policy_id: uuid.UUID, *, for_update: bool = False) -> SlaPolicy | None:
        return _copy(self._state.sla_policies.get(policy_id))

    def save_policy(self, policy: SlaPolicy, *, expected_version: int) -> None:
        self._state.sla_policies[policy.id] = _copy(policy)

    def delete_policy(self, policy_id: uuid.UUID) -> None:
        del self._state.sla_policies[policy_id]

    def policy_page(self, after: Any, limit: int) -> list[SlaPolicy]:
        rows = sorted(self._state.sla_policies.values(), key=lambda p: (p.name, p.id))
        return [_copy(p) for p in rows if after is None or (p.name, p.id) > after][:limit]

    def policies(self) -> list[SlaPolicy]:
        return [_copy(p) for p in self._state.sla_policies.values()]

    def task_sla(self, task_id: uuid.UUID) -> TaskSla | None:
        return _copy(self._state.slas.get(task_id))

    def save_task_sla(self, sla: TaskSla) -> None:
        self._state.slas[sla.clock.task_id] = _copy(sla)

    def task_slas(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaskSla]:
        return {i: _copy(self._state.slas[i]) for i in sorted(task_ids) if i in self._state.slas}

    def save_task_slas(self, slas: Sequence[TaskSla]) -> None:
        for sla in slas:
            self.save_task_sla(sla)

    def working_calendars(
        self, team_ids: Iterable[uuid.UUID | None]
    ) -> dict[uuid.UUID | None, WorkingCalendar]:
        return {t: self.working_calendar(t) or DEFAULT_CALENDAR for t in set(team_ids)}

    def managers_of(self, team_ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, list[uuid.UUID]]:
        found = {t: self.team_managers(t) for t in set(team_ids) if t is not None}
        return {team_id: managers for team_id, managers in found.items() if managers}

    def due_slas(self, now: datetime, limit: int) -> list[uuid.UUID]:
        due = [
            (sla.next_check_at, task_id)
            for task_id, sla in self._state.slas.items()
            if sla.next_check_at is not None and sla.next_check_at <= now
        ]
        return [task_id for _, task_id in sorted(due)][:limit]

    def open_slas_after(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        ids = sorted(
            task_id
            for task_id, sla in self._state.slas.items()
            if sla.clock.resolved_at is None and (after is None or task_id > after)
        )
        return ids[:limit]

    def sla_subjects(self, task_ids: list[uuid.UUID]) -> list[SlaSubject]:
        tasks = [self._state.tasks[i] for i in sorted(task_ids) if i in self._state.tasks]
        return [
            SlaSubject(t.id, t.status, t.priority, t.team_id, tuple(t.tags))
            for t in tasks
            if not t.is_archived
        ]

    def assignment_candidates(self, team_id: uuid.UUID) -> list[tuple[uuid.UUID, Decimal]]:
        stored = self._state.teams.get(team_id)
        if stored is None:
            return []
        loads = []
        for user_id in stored.team.member_ids:
            user = self._state.users.get(user_id)
            if user is None or not user.is_active or not user.available:
                continue
            load = sum(
                (t.estimated_hours if t.estimated_hours is not None else Decimal(1))
                for t in self._state.tasks.values()
                if user_id in t.assignee_ids and t.status not in CLOSED and not t.is_archived
            )
            loads.append((user_id, Decimal(load)))
        return sorted(loads, key=lambda c: (c[1], c[0]))

    def record_auto_assignment(self, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
        settings = self._state.team_settings[team_id]
        self._state.team_settings[team_id] = replace(settings, last_assigned_id=user_id)

    def team_managers(self, team_id: uuid.UUID | None) -> list[uuid.UUID]:
        stored = self._state.teams.get(team_id) if team_id else None
        if stored is None:
            return []
        members = stored.team.member_ids
        return sorted(
            user_id
            for user_id in members
            if (user := self._state.users.get(user_id)) is not None
            and user.role == "manager"
            and user.is_active
        )


class FakeUserReplica:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _state(self) -> State:
        return self._uow.state

    def upsert_user(self, user: ReplicaUser) -> bool:
        stored = self._state.users.get(user.id)
        if stored is not None and stored.version >= user.version:
            return False
        self._state.users[user.id] = user
        return True

    def deactivate_user(self, user_id: uuid.UUID, version: int) -> bool:
        stored = self._state.users.get(user_id)
        if stored is None or stored.version > version:
            return False
        self._state.users[user_id] = replace(stored, is_active=False)
        return True

    def upsert_team(self, team: ReplicaTeam) -> bool:
        stored = self._state.teams.get(team.id)
        if stored is not None and stored.team.version >= team.version:
            return False
        members = tuple(dict.fromkeys(team.member_ids))
        self._state.teams[team.id] = StoredTeam(replace(team, member_ids=members))
        return True

    def delete_team(self, team_id: uuid.UUID, version: int) -> bool:
        stored = self._state.teams.get(team_id)
        if stored is not None and stored.team.version >= version:
            return False
        self._state.teams[team_id] = StoredTeam(ReplicaTeam(team_id, "", version), True)
        return True

    def actor(self, user_id: uuid.UUID) -> ActorRecord:
        return actor_record(self._state, user_id)

    def active_user_ids(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        users = self._state.users
        return {u for u in user_ids if u in users and users[u].is_active}

    def team_exists(self, team_id: uuid.UUID) -> bool:
        stored = self._state.teams.get(team_id)
        return stored is not None and not stored.is_deleted

    def recipients(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        found = {}
        for user_id in user_ids:
            user = self._state.users.get(user_id)
            if user is not None:
                found[user_id] = Recipient(
                    user.id,
                    user.email,
                    user.display_name,
                    user.timezone,
                    user.is_active,
                    dict(user.notification_preferences),
                )
        return found


def actor_record(state: State, user_id: uuid.UUID) -> ActorRecord:
    """Role and status from the replica (None and active when unknown), teams in id order."""
    user = state.users.get(user_id)
    teams = sorted(t.team.id for t in state.teams.values() if user_id in t.team.member_ids)
    return ActorRecord(
        role=user.role if user else None,
        is_active=user.is_active if user else True,
        team_ids=tuple(teams),
    )


# --- idempotency and the outbox --------------------------------------------------------


class FakeIdempotencyStore:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def claim(
        self,
        principal: uuid.UUID,
        key: str,
        request_hash: str,
        at: datetime,
        *,
        expired_before: datetime,
    ) -> IdempotencyRecord | None:
        keys = self._uow.state.keys
        earlier = keys.get((principal, key))
        if earlier is None or earlier.created_at < expired_before:
            keys[(principal, key)] = StoredKey(request_hash, None, at)
            return None
        return IdempotencyRecord(earlier.request_hash, earlier.response)

    def complete(self, principal: uuid.UUID, key: str, response: RecordedResponse) -> None:
        keys = self._uow.state.keys
        keys[(principal, key)] = replace(keys[(principal, key)], response=response)

    def purge(self, created_before: datetime, limit: int) -> int:
        old = [k for k, v in self._uow.state.keys.items() if v.created_at < created_before]
        for k in old[:limit]:
            del self._uow.state.keys[k]
        return len(old[:limit])


class FakeOutbox:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def add_event(
        self,
        event_type: str,
        subject: str,
        data: dict[str, Any],
        *,
        causation_id: str | None = None,
    ) -> None:
        CONTRACTS.validate(event_type, data)
        self._uow.state.events.append((event_type, _copy(data)))

    def add_events(self, events: Sequence[tuple[str, str, dict[str, Any]]]) -> None:
        for event_type, subject, data in events:
            self.add_event(event_type, subject, data)


# --- notifications and the jobs' query --------------------------------------------------


class FakeNotificationLog:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> dict[uuid.UUID, NotificationRecord]:
        return self._uow.state.notifications

    def add(self, notifications: Sequence[NewNotification]) -> list[uuid.UUID]:
        taken = {(r.recipient_id, r.kind, r.occasion) for r in self._rows.values()}
        added = []
        for n in notifications:
            once = (n.recipient_id, n.kind, n.occasion)
            if once in taken:
                continue
            taken.add(once)
            self._rows[n.id] = NotificationRecord(
                id=n.id,
                recipient_id=n.recipient_id,
                recipient_email=n.recipient_email,
                task_id=n.task_id,
                kind=n.kind,
                occasion=n.occasion,
                status=NotificationStatus.PENDING,
                subject="",
                context=dict(n.context),
                attempts=0,
                last_error=None,
                created_at=n.created_at,
                sent_at=None,
            )
            added.append(n.id)
        return added

    def pending_for(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> list[uuid.UUID]:
        return [
            r.id
            for r in self._rows.values()
            if (r.task_id, r.kind, r.occasion, r.status)
            == (task_id, kind, occasion, NotificationStatus.PENDING)
        ]

    def claim(self, notification_id: uuid.UUID) -> NotificationRecord | None:
        row = self._rows.get(notification_id)
        return row if row is not None and row.status is NotificationStatus.PENDING else None

    def mark_sent(self, notification_id: uuid.UUID, subject: str, at: datetime) -> None:
        row = self._rows[notification_id]
        self._rows[notification_id] = replace(
            row,
            status=NotificationStatus.SENT,
            subject=subject,
            sent_at=at,
            attempts=row.attempts + 1,
            last_error=None,
        )
        self._uow.state.last_attempts[notification_id] = at

    def mark_failed_attempt(
        self, notification_id: uuid.UUID, error: str, at: datetime, *, give_up: bool
    ) -> None:
        row = self._rows[notification_id]
        status = NotificationStatus.FAILED if give_up else NotificationStatus.PENDING
        self._rows[notification_id] = replace(
            row, status=status, attempts=row.attempts + 1, last_error=error[:2000]
        )
        self._uow.state.last_attempts[notification_id] = at

    def stale_pending(self, untouched_since: datetime, limit: int) -> list[uuid.UUID]:
        def touched(row: NotificationRecord) -> datetime:
            return self._uow.state.last_attempts.get(row.id, row.created_at)

        rows = [
            r
            for r in self._rows.values()
            if r.status is NotificationStatus.PENDING and touched(r) < untouched_since
        ]
        return [r.id for r in sorted(rows, key=touched)[:limit]]

    def page(
        self,
        wanted: NotificationFilter,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[NotificationRecord]:
        rows = [
            r
            for r in self._rows.values()
            if wanted.recipient_id in (None, r.recipient_id)
            and wanted.task_id in (None, r.task_id)
            and wanted.status in (None, r.status)
            and wanted.kind in (None, r.kind)
        ]
        rows.sort(key=lambda r: (r.created_at, r.id), reverse=True)
        if after is not None:
            rows = [r for r in rows if (r.created_at, r.id) < after]
        return rows[:limit]


class FakeDailySummaries:
    """The daily summary's query over the fake state (see `adapters.persistence.summaries`)."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    def people(
        self, now: datetime, hour: int, window: int, after: uuid.UUID | None, limit: int
    ) -> list[UserSummary]:
        state = self._uow.state
        found = []
        for user in sorted(state.users.values(), key=lambda u: u.id):
            zone = ZoneInfo(user.timezone)
            local = now.astimezone(zone)
            occasion = f"day:{local.date().isoformat()}"
            if (
                not user.is_active
                or not user.notification_preferences.get("daily_summary", True)
                or (local.hour - hour + 24) % 24 >= window
                or any(
                    (r.recipient_id, r.kind, r.occasion)
                    == (user.id, NotificationType.DAILY_SUMMARY, occasion)
                    for r in state.notifications.values()
                )
                or (after is not None and user.id <= after)
            ):
                continue
            found.append(self._summary(user, zone, local.date(), now))
            if len(found) == limit:
                break
        return found

    def _summary(self, user: ReplicaUser, zone: ZoneInfo, day: date, now: datetime) -> Any:
        state = self._uow.state
        mine = [t for t in state.tasks.values() if user.id in t.assignee_ids]
        open_tasks = [t for t in mine if not t.is_archived and t.status not in CLOSED]
        start = datetime.combine(day - timedelta(days=1), datetime.min.time(), zone)
        end = datetime.combine(day, datetime.min.time(), zone)
        completed = {
            h.task_id
            for h in state.history
            if h.task_id in {t.id for t in mine}
            and h.action == "status_changed"
            and h.changes.get("status", {}).get("new") == "done"
            and start <= h.at < end
        }
        listed = sorted(open_tasks, key=lambda t: (t.due_date is None, t.due_date or now, t.id))[
            :LISTED_TASKS
        ]
        return UserSummary(
            user_id=user.id,
            email=user.email,
            display_name=user.display_name,
            timezone=user.timezone,
            local_day=day,
            open_count=len(open_tasks),
            due_today_count=sum(
                1 for t in open_tasks if t.due_date and t.due_date.astimezone(zone).date() == day
            ),
            overdue_count=sum(1 for t in open_tasks if t.due_date and t.due_date < now),
            completed_yesterday_count=len(completed),
            open_tasks=tuple(
                SummaryTask(t.id, t.title, t.status.value, t.priority.value, t.due_date, False)
                for t in listed
            ),
        )


# --- the unit of work, the read side, the clock, the dispatcher -------------------------


class FakeUnitOfWork:
    def __init__(self, store: FakeStore) -> None:
        self._store = store

    def __enter__(self) -> Self:
        self.state = self._store.state.snapshot()
        self.tasks = FakeTaskRepository(self)
        self.history = FakeHistoryLog(self)
        self.dependencies = FakeDependencyRepository(self)
        self.comments = FakeCommentRepository(self)
        self.tags = FakeTagRepository(self)
        self.templates = FakeTemplateRepository(self)
        self.replica = FakeUserReplica(self)
        self.time_rollups = FakeTimeRollups()
        self.idempotency = FakeIdempotencyStore(self)
        self.outbox = FakeOutbox(self)
        self.notifications = FakeNotificationLog(self)
        self.summaries = FakeDailySummaries(self)
        self.automation = FakeAutomationRepository(self)
        self._after_commit: list[Callable[[], None]] = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.state  # rolled back: whatever was not committed is gone

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        record_changes(self)
        self._store.state = self.state.snapshot()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            with contextlib.suppress(Exception):  # like the real one: logged, never raised
                callback()


def _rank(task: Task, text: str | None) -> float:
    """A stand-in for full-text search: every word must occur; title words weigh double."""
    if text is None:
        return 0.0
    title, description = task.title.lower(), task.description.lower()
    words = text.lower().split()
    if not all(word in title or word in description for word in words):
        return 0.0
    return float(sum(2 * title.count(word) + description.count(word) for word in words))


def _position(task: Task, keys: Sequence[SortKey], text: str | None = None) -> tuple[Any, ...]:
    values: dict[str, Any] = {
        "rank": _rank(task, text),
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "due_date": task.due_date,
        "priority": PRIORITY_RANK[task.priority],
        "status": STATUS_RANK[task.status],
        "title": task.title.lower(),
    }
    return (*(values[key.name] for key in keys), task.id)


def _compare(keys: Sequence[SortKey], a: tuple[Any, ...], b: tuple[Any, ...]) -> int:
    """The list order: each key in its direction, due dates missing last either way, then
    the id in the last key's direction."""
    directions = [key.descending for key in keys] + [keys[-1].descending]
    for x, y, descending in zip(a, b, directions, strict=True):
        if x == y:
            continue
        if x is None or y is None:
            return 1 if x is None else -1
        order = -1 if x < y else 1
        return -order if descending else order
    return 0


class FakeTaskReader:
    """The read side over the committed state: a member sees own, assigned and team tasks."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.listings: list[TaskListing] = []

    def actor(self, user_id: uuid.UUID) -> ActorRecord:
        return actor_record(self._store.state, user_id)

    def get(self, task_id: uuid.UUID) -> TaskDocument | None:
        task = self._store.state.tasks.get(task_id)
        return document_of(self._store.state, task) if task else None

    def list(self, listing: TaskListing) -> list[TaskDocument]:
        self.listings.append(listing)
        wanted, seen = listing.filter, listing.visible_to
        rows = []
        for task in self._store.state.tasks.values():
            if seen is not None and not (
                task.created_by == seen.user_id
                or seen.user_id in task.assignee_ids
                or task.team_id in seen.team_ids
            ):
                continue
            if wanted.archived != "all" and task.is_archived != (wanted.archived == "true"):
                continue
            if wanted.statuses and task.status.value not in wanted.statuses:
                continue
            if wanted.priorities and task.priority.value not in wanted.priorities:
                continue
            if wanted.assignee is not None and wanted.assignee not in task.assignee_ids:
                continue
            if wanted.created_by not in (None, task.created_by):
                continue
            if wanted.team not in (None, task.team_id):
                continue
            if wanted.parent not in (None, task.parent_task_id):
                continue
            if wanted.top_level_only and task.parent_task_id is not None:
                continue
            if wanted.tags and not {t.lower() for t in task.tags} & {
                t.lower() for t in wanted.tags
            }:
                continue
            if wanted.text is not None and not _rank(task, wanted.text):
                continue
            rows.append(task)
        if listing.sort == RANKED:
            return self._ranked(listing, rows)
        keys = listing.sort
        positioned = sorted(
            ((_position(task, keys, wanted.text), task) for task in rows),
            key=cmp_to_key(lambda a, b: _compare(keys, a[0], b[0])),
        )
        if listing.after is not None:
            positioned = [p for p in positioned if _compare(keys, p[0], listing.after) > 0]
        return [
            document_of(self._store.state, task, position)
            for position, task in positioned[: listing.limit]
        ]

    def _ranked(self, listing: TaskListing, rows: list[Task]) -> list[TaskDocument]:
        """As the database ranks (ADR 0027): the newest `rank_window` matches by rank, then
        the older ones newest first (the window here is always today's newest)."""
        text = listing.filter.text
        recent = sorted(rows, key=lambda task: (task.created_at, task.id), reverse=True)
        window = recent[: listing.rank_window]
        if not window:
            return []
        oldest = window[-1]
        positioned = [
            (
                (1, _rank(task, text), task.created_at, oldest.created_at, oldest.id, task.id)
                if index < len(window)
                else (2, 0.0, task.created_at, oldest.created_at, oldest.id, task.id),
                task,
            )
            for index, task in enumerate(recent)
        ]
        order = sorted(
            positioned,
            key=cmp_to_key(
                lambda a, b: _compare(_RANK_ORDER, _ranked_key(a[0]), _ranked_key(b[0]))
            ),
        )
        if listing.after is not None:
            after = _ranked_key(listing.after)
            order = [p for p in order if _compare(_RANK_ORDER, _ranked_key(p[0]), after) > 0]
        return [
            document_of(self._store.state, task, position)
            for position, task in order[: listing.limit]
        ]


_RANK_ORDER = (
    SortKey("status", descending=False),  # stands for the tier, ascending
    SortKey("rank", descending=True),
    SortKey("created_at", descending=True),
)


def _ranked_key(position: tuple[Any, ...]) -> tuple[Any, ...]:
    tier, rank, created_at, _oldest_at, _oldest_id, task_id = position
    return (tier, rank, created_at, task_id)


class FixedClock:
    """A second passes at each reading, so that every change has its own time."""

    def __init__(self) -> None:
        self.at = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        self.at += timedelta(seconds=1)
        return self.at


class FakeDispatcher:
    def __init__(self) -> None:
        self.sent: list[tuple[uuid.UUID, NotificationType, str]] = []
        self.delivered: list[list[uuid.UUID]] = []
        self.fail_next: int = 0

    def send_task_notification(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> None:
        self.sent.append((task_id, kind, occasion))

    def deliver(self, notification_ids: Sequence[uuid.UUID]) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("the queue is down")
        self.delivered.append(list(notification_ids))


@dataclass
class Harness:
    store: FakeStore
    clock: FixedClock
    dispatcher: FakeDispatcher
    reader: FakeTaskReader
    create: CreateTaskHandler
    update: UpdateTaskHandler
    assign: AssignTaskHandler
    unassign: UnassignTaskHandler
    archive: ArchiveTaskHandler
    restore: RestoreTaskHandler
    comment: AddCommentHandler
    edit_comment: EditCommentHandler
    delete_comment: DeleteCommentHandler
    comments: CommentQueries
    queries: TaskQueries
    create_tag: CreateTagHandler
    tags: TagQueries
    templates: TemplateHandlers
    check_overdue: CheckOverdueTasks
    remind_due_soon: RemindDueSoonTasks
    purge_archived: PurgeArchivedTasksHandler
    daily_summaries: GenerateDailySummaries
    retry_stale: RetryStaleNotifications
    notifications: NotificationQueries
    replica: ReplicaSync

    def uow(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.store)


def build_harness() -> Harness:
    store = FakeStore()
    clock = FixedClock()
    dispatcher = FakeDispatcher()
    reader = FakeTaskReader(store)

    def uow() -> Any:
        return FakeUnitOfWork(store)

    create = CreateTaskHandler(uow, clock)
    return Harness(
        store=store,
        clock=clock,
        dispatcher=dispatcher,
        reader=reader,
        create=create,
        update=UpdateTaskHandler(uow, clock),
        assign=AssignTaskHandler(uow, clock),
        unassign=UnassignTaskHandler(uow, clock),
        archive=ArchiveTaskHandler(uow, clock),
        restore=RestoreTaskHandler(uow, clock),
        comment=AddCommentHandler(uow, clock),
        edit_comment=EditCommentHandler(uow, clock),
        delete_comment=DeleteCommentHandler(uow, clock),
        comments=CommentQueries(uow),
        queries=TaskQueries(reader, uow),
        create_tag=CreateTagHandler(uow, clock),
        tags=TagQueries(uow),
        templates=TemplateHandlers(uow, clock, create),
        check_overdue=CheckOverdueTasks(uow, clock),
        remind_due_soon=RemindDueSoonTasks(uow, clock),
        purge_archived=PurgeArchivedTasksHandler(uow, clock),
        daily_summaries=GenerateDailySummaries(uow, clock, dispatcher),
        retry_stale=RetryStaleNotifications(uow, clock, dispatcher),
        notifications=NotificationQueries(uow),
        replica=ReplicaSync(),
    )


# --- helpers the tests share --------------------------------------------------------------


def present(document: TaskDocument) -> dict[str, Any]:
    """A stand-in for the HTTP presenter: what the create response body records."""
    return {"id": str(document.id), "version": document.version}


def create_task(
    harness: Harness,
    actor: uuid.UUID,
    *,
    assignees: Sequence[uuid.UUID] = (),
    key: str | None = None,
    **values: Any,
) -> uuid.UUID:
    """POST /tasks as `actor` with these fields (a title unless given)."""
    command = CreateTask(
        actor_id=actor,
        fields=TaskFields(**({"title": "Task"} | values)),
        assignee_ids=tuple(assignees),
        idempotency_key=key,
    )
    return uuid.UUID(harness.create(command, present).response.body["id"])


def patch(harness: Harness, actor: uuid.UUID, task_id: uuid.UUID, **values: Any) -> TaskDocument:
    """PATCH /tasks/{id}: these fields, and only these, are set."""
    command = UpdateTask(
        actor_id=actor, task_id=task_id, fields=TaskFields(**values), given=tuple(values)
    )
    return harness.update(command)


def stored(harness: Harness, task_id: uuid.UUID) -> Task:
    return harness.store.state.tasks[task_id]


@dataclass
class Scene:
    """A team task by its creator, with one assignee, and everyone else who might call."""

    task_id: uuid.UUID
    team_id: uuid.UUID
    people: dict[str, uuid.UUID]


def build_scene(harness: Harness) -> Scene:
    team = uuid.uuid4()
    people = {
        "creator": harness.store.add_user("member", team),
        "assignee": harness.store.add_user(),
        "teammate": harness.store.add_user("member", team),
        "manager": harness.store.add_user("manager"),
        "admin": harness.store.add_user("admin"),
        "stranger": harness.store.add_user("member", uuid.uuid4()),
    }
    task_id = create_task(harness, people["creator"], team_id=team, assignees=[people["assignee"]])
    return Scene(task_id, team, people)


class FakeTimeRollups:
    """No task has time entries unless a test says so (`tracked_ids`)."""

    def __init__(self) -> None:
        self.tracked_ids: set[uuid.UUID] = set()

    def apply(
        self, task_id: uuid.UUID, logged_minutes: int, rollup_version: int, at: object
    ) -> bool:
        self.tracked_ids.add(task_id)
        return True

    def tracked(self, task_id: uuid.UUID) -> bool:
        return task_id in self.tracked_ids
