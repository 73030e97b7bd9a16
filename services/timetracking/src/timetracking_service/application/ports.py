"""The ports the use cases need; the adapters implement them over PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import TracebackType
from typing import Any, Protocol, Self

from taskhive_shared.idempotency import IdempotencyStore
from timetracking_service.domain.calendar import WorkingCalendar
from timetracking_service.domain.model import (
    Member,
    TaskRef,
    TimeEntry,
    Timesheet,
    TimesheetEvent,
)


@dataclass(frozen=True, slots=True)
class EntryFilter:
    """A page of the entries `viewer` may see, newest work date first."""

    viewer: uuid.UUID
    viewer_is_manager: bool
    viewer_team_ids: frozenset[uuid.UUID]
    user_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    after: tuple[date, uuid.UUID] | None = None
    limit: int = 20


class GroupBy(StrEnum):
    TASK = "task"
    USER = "user"
    TEAM = "team"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    group_by: GroupBy
    date_from: date
    date_to: date
    user_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    team_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class ReportScope:
    """The query as the caller may run it: who they are decides what they see."""

    query: ReportQuery
    viewer: uuid.UUID
    viewer_is_manager: bool
    viewer_team_ids: frozenset[uuid.UUID]


@dataclass(frozen=True, slots=True)
class ReportRow:
    key: uuid.UUID | None
    """The task, user or team; None: entries of tasks without a team (group_by=team)."""
    label: str
    entries: int
    total_minutes: int
    billable_minutes: int

    @property
    def non_billable_minutes(self) -> int:
        return self.total_minutes - self.billable_minutes


@dataclass(frozen=True, slots=True)
class TimesheetStep:
    action: str
    status: str
    version: int
    actor_id: uuid.UUID
    reason: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class TaskSummary:
    """A task as a `tasks.task.*` event states it, at `version`."""

    task: TaskRef
    version: int
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class WeekGrid:
    """A user's week as the database aggregated it: minutes worked per local day, and the
    task rows already in their JSON shape (`task_id`, `title`, `minutes_by_day` keyed by
    ISO date, `total_minutes`), by title."""

    worked: dict[date, int]
    tasks: list[dict[str, Any]]


class EntryRepository(Protocol):
    def get(self, entry_id: uuid.UUID, *, for_update: bool = False) -> TimeEntry | None: ...

    def running_for(self, user_id: uuid.UUID) -> TimeEntry | None: ...

    def running_on_task(self, task_id: uuid.UUID) -> Sequence[TimeEntry]: ...

    def add(self, entry: TimeEntry) -> None: ...

    def save(self, entry: TimeEntry) -> None: ...

    def remove(self, entry: TimeEntry) -> None: ...

    def page(self, query: EntryFilter) -> list[TimeEntry]: ...

    def of_users_between(
        self, user_ids: Sequence[uuid.UUID], first: date, last: date
    ) -> list[TimeEntry]: ...

    def minutes_by_day(
        self, user_ids: Sequence[uuid.UUID], first: date, last: date, zone: str
    ) -> list[tuple[uuid.UUID, uuid.UUID, date, int]]:
        """(user, task, local day, minutes) of the finished entries with work dates in
        [first, last]: timed entries split at the local midnights of `zone` (as
        `domain.calendar.split_by_local_day` does), durations alone on their work date."""
        ...

    def week_grids(
        self, user_ids: Sequence[uuid.UUID], monday: date, zone: str
    ) -> dict[uuid.UUID, WeekGrid]:
        """The week from `monday` of each user who worked in it, days local to `zone`, split
        as `minutes_by_day` does; users without minutes are absent."""
        ...

    def report(self, scope: ReportScope) -> Iterator[ReportRow]:
        """The report's groups, streamed from the database (biggest total first)."""
        ...

    def task_minutes(self, task_id: uuid.UUID) -> int:
        """The finished minutes logged on the task (running timers count when stopped)."""
        ...


class TaskReplica(Protocol):
    def get(self, task_id: uuid.UUID) -> TaskRef | None: ...

    def titles(self, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]: ...

    def apply(self, summary: TaskSummary) -> TaskRef | bool | None:
        """Store the summary if newer than the replica's; returns the task as it was before
        (None: unknown until now), or False when the summary was stale and ignored."""
        ...

    def next_rollup_version(self, task_id: uuid.UUID) -> int:
        """Lock the task's roll-up and advance its version (serialises concurrent writes)."""
        ...


class MemberReplica(Protocol):
    def get(self, user_id: uuid.UUID) -> Member | None: ...

    def upsert(self, member: Member, version: int) -> None: ...

    def set_active(self, user_id: uuid.UUID, active: bool) -> None: ...

    def join_team(self, user_id: uuid.UUID, team_id: uuid.UUID) -> None: ...

    def leave_team(self, user_id: uuid.UUID, team_id: uuid.UUID) -> None: ...

    def drop_team(self, team_id: uuid.UUID) -> None: ...

    def of_team(self, team_id: uuid.UUID) -> list[Member]: ...

    def managers(self) -> list[Member]: ...


class CalendarReplica(Protocol):
    def apply_calendar(
        self, calendar_id: uuid.UUID, calendar: WorkingCalendar | None, version: int
    ) -> bool:
        """Store the calendar (None: deleted) if `version` is newer; False when stale."""
        ...

    def apply_team(self, team_id: uuid.UUID, calendar_id: uuid.UUID | None, version: int) -> bool:
        """Store the team's calendar choice if `version` is newer; False when stale."""
        ...

    def for_users(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, WorkingCalendar]:
        """Each user's working calendar; users whose teams have none are absent."""
        ...


class TimesheetRepository(Protocol):
    def get(self, user_id: uuid.UUID, week_start: date, *, for_update: bool = False) -> Timesheet:
        """The stored timesheet, or a new open one (not yet stored)."""
        ...

    def of_users(
        self, user_ids: Sequence[uuid.UUID], week_start: date
    ) -> dict[uuid.UUID, Timesheet]:
        """Every user's timesheet of the week (new open ones for those never stored)."""
        ...

    def save(self, timesheet: Timesheet) -> None: ...

    def record_step(self, event: TimesheetEvent) -> None:
        """Append the step to the sheet's history (the audit of approvals and unlocks)."""
        ...

    def history(self, user_id: uuid.UUID, week_start: date) -> list[TimesheetStep]: ...


class PreferenceRepository(Protocol):
    def auto_tracking(self, user_id: uuid.UUID) -> bool: ...

    def auto_tracking_of(self, user_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]: ...

    def set_auto_tracking(self, user_id: uuid.UUID, enabled: bool, now: datetime) -> None: ...


class OvertimeReportLog(Protocol):
    def claim(self, manager_id: uuid.UUID, week_start: date, now: datetime) -> bool:
        """Record that this manager's report of the week is sent; False if it already was."""
        ...


class TimeUnitOfWork(Protocol):
    @property
    def entries(self) -> EntryRepository: ...

    @property
    def tasks(self) -> TaskReplica: ...

    @property
    def members(self) -> MemberReplica: ...

    @property
    def timesheets(self) -> TimesheetRepository: ...

    @property
    def calendars(self) -> CalendarReplica: ...

    @property
    def idempotency(self) -> IdempotencyStore: ...

    @property
    def preferences(self) -> PreferenceRepository: ...

    @property
    def overtime_reports(self) -> OvertimeReportLog: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def lock_user_timer(self, user_id: uuid.UUID) -> None:
        """Serialise timer changes of one user until commit (at most one running timer)."""
        ...

    def commit(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class EventOutbox(Protocol):
    def add_event(
        self,
        event_type: str,
        subject: str,
        data: dict[str, object],
        *,
        causation_id: str | None = None,
    ) -> object: ...
