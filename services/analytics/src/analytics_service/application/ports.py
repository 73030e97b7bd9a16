"""Ports of the analytics use cases (typing.Protocol): the read-model store, its unit of work,
the clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from analytics_service.domain.model import Contribution, Observation, TaskFacts, TaskSummary
from analytics_service.domain.reports import Report
from analytics_service.domain.schedules import Person, ReportSchedule, ScheduleRun
from analytics_service.domain.visibility import Actor


@dataclass(frozen=True, slots=True)
class StoredTask:
    summary: TaskSummary
    deleted: bool
    observations: tuple[Observation, ...]


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: uuid.UUID
    role: str
    timezone: str
    is_active: bool
    version: int
    email: str | None = None


@dataclass(frozen=True, slots=True)
class TeamRecord:
    id: uuid.UUID
    name: str
    member_ids: tuple[uuid.UUID, ...]
    deleted: bool
    version: int


class TaskModel(Protocol):
    """One generation of the task model and its counters (live, or a rebuild's fresh one)."""

    def task_for_update(self, task_id: uuid.UUID) -> StoredTask | None:
        """The task's stored state, locked until commit (None for a task never seen)."""

    def save(
        self, facts: TaskFacts, observations: Iterable[Observation], delta: Contribution
    ) -> None:
        """Store the task's facts and new observations and add the deltas to the counters
        (one upsert per touched row); counter rows back at zero go."""


class ReadModel(TaskModel, Protocol):
    """The live read model: also the replicas of users and teams."""

    def save_user_if_newer(self, user: UserRecord) -> None: ...

    def save_team_if_newer(self, team: TeamRecord) -> None: ...


class AnalyticsUnitOfWork(Protocol):
    @property
    def read_model(self) -> ReadModel: ...

    @property
    def figures(self) -> Figures: ...

    @property
    def reports(self) -> ReportRepository: ...

    @property
    def schedules(self) -> ScheduleRepository: ...

    def task_models(self) -> Sequence[TaskModel]:
        """The live model, and a rebuild's fresh one while it collects (ADR 0021)."""

    def after_commit(self, callback: Callable[[], None]) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


@dataclass(frozen=True, slots=True)
class HourlyTotals:
    created: int = 0
    completed: int = 0
    points_created: int = 0
    points_completed: int = 0
    completed_with_due: int = 0
    completed_on_time: int = 0


class Figures(Protocol):
    """What the queries read: counters summed over a scope and a period, never per task."""

    def actor(self, user_id: uuid.UUID) -> Actor: ...

    def team(self, team_id: uuid.UUID) -> TeamRecord | None: ...

    def user_known(self, user_id: uuid.UUID) -> bool: ...

    def task_team(self, task_id: uuid.UUID) -> tuple[bool, uuid.UUID | None]:
        """(known, team id) of a task."""

    def totals(
        self, scope: str, scope_id: uuid.UUID, start: datetime, end: datetime
    ) -> HourlyTotals: ...

    def per_period(
        self,
        scope: str,
        scope_id: uuid.UUID,
        start: datetime,
        end: datetime,
        timezone: str,
        period: str,
    ) -> Mapping[date, HourlyTotals]:
        """Sums per local `day` or `week` (its Monday) in `timezone`."""

    def cycle_histogram(
        self, scope: str, scope_id: uuid.UUID, first_day: date, last_day: date
    ) -> Mapping[int, int]: ...

    def dimension(self, scope: str, scope_id: uuid.UUID, dimension: str) -> Mapping[str, int]: ...

    def open_due(
        self, scope: str, scope_id: uuid.UUID, start: datetime | None, end: datetime
    ) -> int:
        """Open tasks due in [start, end) (from the beginning of time without start)."""

    def due_split(
        self, scope: str, scope_id: uuid.UUID, now: datetime, until: datetime
    ) -> tuple[int, int]:
        """Open tasks due before `now` (overdue) and in [now, until), in one statement."""

    def completed_since(
        self, scope: str, scope_id: uuid.UUID, starts: Sequence[datetime], end: datetime
    ) -> list[int]:
        """Tasks completed in [start, end) for each start, in one statement."""

    def people(self, user_ids: Iterable[uuid.UUID]) -> list[Person]:
        """The replicated users among `user_ids`, with their teams and e-mail addresses."""

    def team_managers(self, team_id: uuid.UUID) -> list[Person]:
        """The active managers among a team's members."""

    def task_count(self, scope: str, scope_id: uuid.UUID) -> int:
        """Tasks of a scope in the task read model (deleted ones aside)."""

    def task_rows(
        self, scope: str, scope_id: uuid.UUID, after: uuid.UUID | None, limit: int
    ) -> list[TaskRow]:
        """A keyset batch (by id) of the scope's tasks as report rows (`TASK_COLUMNS`)."""


class ReportRepository(Protocol):
    def add(self, report: Report) -> None: ...

    def get(self, report_id: uuid.UUID) -> Report | None: ...

    def save(self, report: Report) -> None: ...

    def expired(self, now: datetime, limit: int) -> list[Report]: ...

    def delete(self, report_id: uuid.UUID) -> None: ...


class ScheduleRepository(Protocol):
    def add(self, schedule: ReportSchedule) -> None: ...

    def get(self, schedule_id: uuid.UUID) -> ReportSchedule | None: ...

    def page(
        self, team_ids: frozenset[uuid.UUID] | None, after: uuid.UUID | None, limit: int
    ) -> list[ReportSchedule]:
        """By id; only these teams' schedules unless `team_ids` is None (everyone's)."""

    def save(self, schedule: ReportSchedule, expected_version: int) -> bool:
        """Write if the stored version is still `expected_version` (False: someone was first)."""

    def delete(self, schedule_id: uuid.UUID, expected_version: int | None) -> bool: ...

    def everything(self) -> list[ReportSchedule]:
        """Every schedule (the beat job's scan: a few per team)."""

    def claim_run(self, run: ScheduleRun) -> bool:
        """Insert the run unless (schedule, period) has one: True for the one claim that won."""

    def next_unsent(self, since: datetime, skip: Sequence[ScheduleRun]) -> ScheduleRun | None:
        """A claimed, unsent run created after `since`, locked until commit (others skip it)."""

    def mark_sent(self, run: ScheduleRun, at: datetime, outcome: str, recipients: int) -> None: ...


TaskRow = tuple[Any, ...]


class Rebuild(Protocol):
    """Fresh tables filled from snapshots, then switched in (ADR 0021)."""

    def state(self) -> str: ...

    def start(self) -> None: ...

    def switch(self) -> None:
        """Raises NoRebuildCollecting unless started."""

    def abort(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
