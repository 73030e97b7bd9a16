"""Time entries, timers, timesheets and the replicas they are checked against.

An entry is either finished (it has a duration) or a running timer (a start and no end).
Aggregates record what happened as domain events; the unit of work writes them to the outbox.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from timetracking_service.domain.calendar import floor_minute
from timetracking_service.domain.errors import InvalidTransition, ValidationFailed

MAX_ENTRY_MINUTES = 24 * 60
"""One entry covers at most a day; longer work is several entries."""
MAX_NOTE_CHARS = 2000


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"


class EntrySource(StrEnum):
    MANUAL = "manual"
    TIMER = "timer"
    AUTOMATIC = "automatic"
    """Started and stopped by the task's workflow (the user's auto-tracking preference)."""


class TimesheetStatus(StrEnum):
    OPEN = "open"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who calls: the token's user and role, with their teams from the replica."""

    user_id: uuid.UUID
    role: Role
    team_ids: frozenset[uuid.UUID] = frozenset()

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class TaskRef:
    """The replica of a task: what visibility and roll-ups need."""

    task_id: uuid.UUID
    title: str
    team_id: uuid.UUID | None
    created_by: uuid.UUID
    assignee_ids: frozenset[uuid.UUID]
    status: str
    is_archived: bool = False

    def visible_to(self, actor: Actor) -> bool:
        """Creator, assignees, the team's members, managers and admins (DESIGN §5)."""
        return (
            actor.is_manager
            or actor.user_id == self.created_by
            or actor.user_id in self.assignee_ids
            or (self.team_id is not None and self.team_id in actor.team_ids)
        )


@dataclass(frozen=True, slots=True)
class Member:
    """The replica of a user: role, time zone, teams."""

    user_id: uuid.UUID
    role: Role
    timezone: str
    team_ids: frozenset[uuid.UUID]
    is_active: bool = True
    email: str = ""
    display_name: str = ""


def may_act_for(actor: Actor, user_id: uuid.UUID, member: Member | None) -> bool:
    """Own time always; admins anyone's; managers the time of their teams' members."""
    if actor.user_id == user_id or actor.role is Role.ADMIN:
        return True
    if actor.role is not Role.MANAGER or member is None:
        return False
    return bool(actor.team_ids & member.team_ids)


def may_decide_timesheet(actor: Actor, member: Member | None) -> bool:
    """Approve or reject: a manager of one of the user's teams (never their own), or an admin."""
    if actor.role is Role.ADMIN:
        return True
    if member is None or actor.user_id == member.user_id:
        return False
    return actor.role is Role.MANAGER and bool(actor.team_ids & member.team_ids)


@dataclass(frozen=True, slots=True)
class EntryEvent:
    """`created`, `updated` or `deleted`: the unit of work turns it into an outbox row."""

    kind: str
    entry: TimeEntry
    actor_id: uuid.UUID | None


@dataclass(eq=False)
class TimeEntry:
    id: uuid.UUID
    user_id: uuid.UUID
    task_id: uuid.UUID
    team_id: uuid.UUID | None
    work_date: date
    started_at: datetime | None
    ended_at: datetime | None
    duration_minutes: int | None
    note: str
    billable: bool
    source: EntrySource
    created_at: datetime
    updated_at: datetime
    version: int = 1
    events: list[EntryEvent] = field(default_factory=list, repr=False)

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.ended_at is None

    @classmethod
    def log(
        cls,
        *,
        entry_id: uuid.UUID,
        user_id: uuid.UUID,
        task: TaskRef,
        work_date: date,
        started_at: datetime | None,
        ended_at: datetime | None,
        duration_minutes: int | None,
        note: str,
        billable: bool,
        now: datetime,
        actor_id: uuid.UUID | None,
    ) -> TimeEntry:
        """A finished entry: a start and an end, or a duration (with an optional start)."""
        started, ended, minutes = finished_span(started_at, ended_at, duration_minutes)
        entry = cls(
            id=entry_id,
            user_id=user_id,
            task_id=task.task_id,
            team_id=task.team_id,
            work_date=work_date,
            started_at=started,
            ended_at=ended,
            duration_minutes=minutes,
            note=note,
            billable=billable,
            source=EntrySource.MANUAL,
            created_at=now,
            updated_at=now,
        )
        entry.events.append(EntryEvent("created", entry, actor_id))
        return entry

    @classmethod
    def start_timer(
        cls,
        *,
        entry_id: uuid.UUID,
        user_id: uuid.UUID,
        task: TaskRef,
        work_date: date,
        at: datetime,
        source: EntrySource,
        now: datetime,
        actor_id: uuid.UUID | None,
    ) -> TimeEntry:
        entry = cls(
            id=entry_id,
            user_id=user_id,
            task_id=task.task_id,
            team_id=task.team_id,
            work_date=work_date,
            started_at=floor_minute(at),
            ended_at=None,
            duration_minutes=None,
            note="",
            billable=True,
            source=source,
            created_at=now,
            updated_at=now,
        )
        entry.events.append(EntryEvent("created", entry, actor_id))
        return entry

    def stop(self, at: datetime, now: datetime, actor_id: uuid.UUID | None) -> None:
        if not self.running or self.started_at is None:
            raise InvalidTransition("This entry is not a running timer.")
        # A stop stamped before the start (clock skew, reordered events) is a zero-length entry.
        ended = max(floor_minute(at), self.started_at)
        minutes = int((ended - self.started_at).total_seconds() // 60)
        # A timer forgotten for days is cut at the longest entry there is.
        if minutes > MAX_ENTRY_MINUTES:
            minutes = MAX_ENTRY_MINUTES
            ended = self.started_at + timedelta(minutes=MAX_ENTRY_MINUTES)
        self.ended_at = ended
        self.duration_minutes = minutes
        self._touch(now, actor_id)

    def change(
        self,
        *,
        work_date: date,
        started_at: datetime | None,
        ended_at: datetime | None,
        duration_minutes: int | None,
        note: str,
        billable: bool,
        now: datetime,
        actor_id: uuid.UUID | None,
    ) -> None:
        """Edit a finished entry (a running timer is stopped first, by the timer's own verbs)."""
        if self.running:
            raise InvalidTransition("A running timer is changed by stopping it.")
        started, ended, minutes = finished_span(started_at, ended_at, duration_minutes)
        self.work_date = work_date
        self.started_at, self.ended_at, self.duration_minutes = started, ended, minutes
        self.note = note
        self.billable = billable
        self._touch(now, actor_id)

    def delete(self, actor_id: uuid.UUID | None) -> None:
        self.events.append(EntryEvent("deleted", self, actor_id))

    def _touch(self, now: datetime, actor_id: uuid.UUID | None) -> None:
        self.version += 1
        self.updated_at = now
        self.events.append(EntryEvent("updated", self, actor_id))


def finished_span(
    started_at: datetime | None, ended_at: datetime | None, duration_minutes: int | None
) -> tuple[datetime | None, datetime | None, int]:
    """Normalise the three ways of giving a finished span: (start, end), (start, duration),
    or a duration alone. Seconds are dropped: entries are kept to the minute."""
    errors: dict[str, list[str]] = {}
    started = floor_minute(started_at) if started_at is not None else None
    ended = floor_minute(ended_at) if ended_at is not None else None
    if ended is not None and started is None:
        errors["started_at"] = ["Required with ended_at."]
    elif started is not None and ended is not None:
        span = int((ended - started).total_seconds() // 60)
        if span <= 0:
            errors["ended_at"] = ["Must be at least a minute after started_at."]
        elif span > MAX_ENTRY_MINUTES:
            errors["ended_at"] = [f"An entry lasts at most {MAX_ENTRY_MINUTES} minutes."]
        elif duration_minutes is not None and duration_minutes != span:
            errors["duration_minutes"] = ["Must equal the minutes between started_at and ended_at."]
        duration_minutes = span
    elif duration_minutes is None:
        errors["duration_minutes"] = ["Give duration_minutes, or started_at and ended_at."]
    if errors:
        raise ValidationFailed(errors)
    assert duration_minutes is not None
    if started is not None and ended is None:
        ended = started + timedelta(minutes=duration_minutes)
    return started, ended, duration_minutes


@dataclass(frozen=True, slots=True)
class TimesheetEvent:
    timesheet: Timesheet
    actor_id: uuid.UUID
    action: str
    """`submitted`, `approved`, `rejected` or `unlocked`."""
    at: datetime


@dataclass(eq=False)
class Timesheet:
    """One user's ISO week: open → submitted → approved (locked) or rejected (with a reason,
    open to changes and a new submission); a manager may unlock an approved week (with a
    reason): it is open again."""

    user_id: uuid.UUID
    week_start: date
    status: TimesheetStatus = TimesheetStatus.OPEN
    version: int = 0
    submitted_at: datetime | None = None
    decided_by: uuid.UUID | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    events: list[TimesheetEvent] = field(default_factory=list, repr=False)

    @property
    def locked(self) -> bool:
        return self.status is TimesheetStatus.APPROVED

    def submit(self, actor_id: uuid.UUID, now: datetime) -> None:
        if self.status not in (TimesheetStatus.OPEN, TimesheetStatus.REJECTED):
            raise InvalidTransition(f"A {self.status} timesheet cannot be submitted.")
        self.status = TimesheetStatus.SUBMITTED
        self.submitted_at = now
        self.decided_by = self.decided_at = self.reason = None
        self._record(actor_id, "submitted", now)

    def approve(self, actor_id: uuid.UUID, now: datetime) -> None:
        if self.status is not TimesheetStatus.SUBMITTED:
            raise InvalidTransition(f"A {self.status} timesheet cannot be approved.")
        self.status = TimesheetStatus.APPROVED
        self.decided_by, self.decided_at, self.reason = actor_id, now, None
        self._record(actor_id, "approved", now)

    def reject(self, actor_id: uuid.UUID, now: datetime, reason: str) -> None:
        if self.status is not TimesheetStatus.SUBMITTED:
            raise InvalidTransition(f"A {self.status} timesheet cannot be rejected.")
        self.status = TimesheetStatus.REJECTED
        self.decided_by, self.decided_at, self.reason = actor_id, now, reason
        self._record(actor_id, "rejected", now)

    def unlock(self, actor_id: uuid.UUID, now: datetime, reason: str) -> None:
        """Reopen an approved week: its entries may change again, and it is submitted anew."""
        if self.status is not TimesheetStatus.APPROVED:
            raise InvalidTransition(f"A {self.status} timesheet is not locked.")
        self.status = TimesheetStatus.OPEN
        self.decided_by, self.decided_at, self.reason = actor_id, now, reason
        self._record(actor_id, "unlocked", now)

    def _record(self, actor_id: uuid.UUID, action: str, at: datetime) -> None:
        self.version += 1
        self.events.append(TimesheetEvent(self, actor_id, action, at))
