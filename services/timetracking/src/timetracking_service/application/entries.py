"""Time entries: log, change, delete, read and list (visibility and the approval lock)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from taskhive_shared.idempotency import (
    IdempotencyKeyReusedError,
    RecordedResponse,
    earlier_response,
    request_fingerprint,
)
from taskhive_shared.ids import uuid7
from timetracking_service.application.actors import actor_of
from timetracking_service.application.ports import Clock, EntryFilter, TimeUnitOfWork
from timetracking_service.domain.calendar import week_start
from timetracking_service.domain.errors import (
    EntryNotFound,
    PermissionDenied,
    StaleVersion,
    TimesheetLocked,
    ValidationFailed,
)
from timetracking_service.domain.model import (
    Actor,
    Member,
    TaskRef,
    TimeEntry,
    may_act_for,
)

UnitOfWorkFactory = Callable[[], TimeUnitOfWork]
ENTRY_ROUTE = "time.entries"
"""Part of the Idempotency-Key fingerprint: the same key on another route is a reuse."""
CREATED = 201
IDEMPOTENCY_HEADER = "Idempotency-Key"
UNSET: Any = object()
"""A field a PATCH did not name."""


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: uuid.UUID
    role: str


@dataclass(frozen=True, slots=True)
class LogEntry:
    task_id: uuid.UUID
    user_id: uuid.UUID | None = None
    work_date: date | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_minutes: int | None = None
    note: str = ""
    billable: bool = True


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """Only the fields given change (`UNSET` elsewhere)."""

    work_date: Any = UNSET
    started_at: Any = UNSET
    ended_at: Any = UNSET
    duration_minutes: Any = UNSET
    note: Any = UNSET
    billable: Any = UNSET


def zone_of(member: Member | None) -> ZoneInfo:
    try:
        return ZoneInfo(member.timezone) if member is not None else ZoneInfo("UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def local_date(moment: datetime, member: Member | None) -> date:
    return moment.astimezone(zone_of(member)).date()


def visible_task(uow: TimeUnitOfWork, actor: Actor, task_id: uuid.UUID, field: str) -> TaskRef:
    task = uow.tasks.get(task_id)
    if task is None or not task.visible_to(actor):
        raise ValidationFailed({field: ["No task you can see has this id."]})
    return task


def check_unlocked(uow: TimeUnitOfWork, user_id: uuid.UUID, day: date) -> None:
    if uow.timesheets.get(user_id, week_start(day)).locked:
        raise TimesheetLocked(f"The week of {day.isoformat()} is approved: its entries are locked.")


def entry_visible(uow: TimeUnitOfWork, actor: Actor, entry: TimeEntry) -> bool:
    if entry.user_id == actor.user_id or actor.is_manager:
        return True
    task = uow.tasks.get(entry.task_id)
    return task is not None and task.visible_to(actor)


def writable_entry(
    uow: TimeUnitOfWork, actor: Actor, entry_id: uuid.UUID, expected: int | None
) -> TimeEntry:
    entry = uow.entries.get(entry_id, for_update=True)
    if entry is None or not entry_visible(uow, actor, entry):
        raise EntryNotFound(str(entry_id))
    if not may_act_for(actor, entry.user_id, uow.members.get(entry.user_id)):
        raise PermissionDenied("Only its owner, their team's managers and admins change it.")
    if expected is not None and expected != entry.version:
        raise StaleVersion(entry.version)
    check_unlocked(uow, entry.user_id, entry.work_date)
    return entry


@dataclass(frozen=True, slots=True)
class Retryable:
    """An Idempotency-Key and the body as sent (what makes two requests the same)."""

    key: str
    request_body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    response: RecordedResponse
    replayed: bool


class TimeEntries:
    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        idempotency_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._ttl = idempotency_ttl

    def log(self, caller: Caller, command: LogEntry) -> TimeEntry:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            entry = self._log(uow, actor, command)
            uow.commit()
            return entry

    def log_once(
        self,
        caller: Caller,
        command: LogEntry,
        retry: Retryable | None,
        present: Callable[[TimeEntry], dict[str, Any]],
    ) -> LoggedEntry:
        """Log time; with a key, a retry of the same request gets the first response again
        (no second entry), another request under the same key a 422 naming the header."""
        if retry is None:
            return LoggedEntry(RecordedResponse(CREATED, present(self.log(caller, command))), False)
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            request_hash = request_fingerprint(ENTRY_ROUTE, retry.request_body)
            try:
                earlier = earlier_response(
                    uow.idempotency,
                    actor.user_id,
                    retry.key,
                    request_hash,
                    self._clock.now(),
                    self._ttl,
                )
            except IdempotencyKeyReusedError as exc:
                raise ValidationFailed({IDEMPOTENCY_HEADER: [str(exc)]}) from exc
            if earlier is not None:
                return LoggedEntry(earlier, True)
            response = RecordedResponse(CREATED, present(self._log(uow, actor, command)))
            uow.idempotency.complete(actor.user_id, retry.key, response)
            uow.commit()
            return LoggedEntry(response, False)

    def _log(self, uow: TimeUnitOfWork, actor: Actor, command: LogEntry) -> TimeEntry:
        user_id = command.user_id or actor.user_id
        member = uow.members.get(user_id)
        if not may_act_for(actor, user_id, member):
            raise PermissionDenied("Managers log time for their teams' members only.")
        task = visible_task(uow, actor, command.task_id, "task_id")
        now = self._clock.now()
        work_date = command.work_date or local_date(command.started_at or now, member)
        check_unlocked(uow, user_id, work_date)
        entry = TimeEntry.log(
            entry_id=uuid7(),
            user_id=user_id,
            task=task,
            work_date=work_date,
            started_at=command.started_at,
            ended_at=command.ended_at,
            duration_minutes=command.duration_minutes,
            note=command.note,
            billable=command.billable,
            now=now,
            actor_id=actor.user_id,
        )
        uow.entries.add(entry)
        return entry

    def change(
        self, caller: Caller, entry_id: uuid.UUID, command: ChangeEntry, expected: int | None
    ) -> TimeEntry:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            entry = writable_entry(uow, actor, entry_id, expected)
            started = entry.started_at if command.started_at is UNSET else command.started_at
            ended = entry.ended_at if command.ended_at is UNSET else command.ended_at
            minutes = (
                entry.duration_minutes
                if command.duration_minutes is UNSET
                else command.duration_minutes
            )
            moves = command.duration_minutes is not UNSET or command.started_at is not UNSET
            if command.ended_at is UNSET and moves:
                ended = None  # the end follows the new start or duration
            elif command.ended_at is not UNSET and command.duration_minutes is UNSET:
                minutes = None  # a new end gives the duration
            work_date = entry.work_date if command.work_date is UNSET else command.work_date
            check_unlocked(uow, entry.user_id, work_date)
            entry.change(
                work_date=work_date,
                started_at=started,
                ended_at=ended,
                duration_minutes=minutes,
                note=entry.note if command.note is UNSET else command.note,
                billable=entry.billable if command.billable is UNSET else command.billable,
                now=self._clock.now(),
                actor_id=actor.user_id,
            )
            uow.entries.save(entry)
            uow.commit()
            return entry

    def delete(self, caller: Caller, entry_id: uuid.UUID, expected: int | None) -> None:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            entry = writable_entry(uow, actor, entry_id, expected)
            entry.delete(actor.user_id)
            uow.entries.remove(entry)
            uow.commit()

    def get(self, caller: Caller, entry_id: uuid.UUID) -> TimeEntry:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            entry = uow.entries.get(entry_id)
            if entry is None or not entry_visible(uow, actor, entry):
                raise EntryNotFound(str(entry_id))
            return entry

    def page(self, caller: Caller, build: Callable[[Actor], EntryFilter]) -> list[TimeEntry]:
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            return uow.entries.page(build(actor))
