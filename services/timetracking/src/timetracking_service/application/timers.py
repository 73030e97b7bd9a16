"""Timers: at most one running per user. Started and stopped by the user, or by the task's
workflow for users who turned automatic tracking on."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from taskhive_shared.ids import uuid7
from timetracking_service.application.actors import actor_of
from timetracking_service.application.entries import (
    Caller,
    UnitOfWorkFactory,
    check_unlocked,
    local_date,
    visible_task,
)
from timetracking_service.application.ports import Clock, TimeUnitOfWork
from timetracking_service.domain.errors import NoRunningTimer
from timetracking_service.domain.model import EntrySource, TaskRef, TimeEntry

IN_PROGRESS = "in_progress"


def start_timer(
    uow: TimeUnitOfWork,
    user_id: uuid.UUID,
    task: TaskRef,
    at: datetime,
    source: EntrySource,
    now: datetime,
    actor_id: uuid.UUID | None,
) -> TimeEntry:
    """Stop the user's running timer (if on another task) and start one on `task`."""
    uow.lock_user_timer(user_id)
    running = uow.entries.running_for(user_id)
    if running is not None:
        if running.task_id == task.task_id:
            return running
        running.stop(at, now, actor_id)
        uow.entries.save(running)
    work_date = local_date(at, uow.members.get(user_id))
    check_unlocked(uow, user_id, work_date)
    entry = TimeEntry.start_timer(
        entry_id=uuid7(),
        user_id=user_id,
        task=task,
        work_date=work_date,
        at=at,
        source=source,
        now=now,
        actor_id=actor_id,
    )
    uow.entries.add(entry)
    return entry


class Timers:
    def __init__(self, unit_of_work: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = unit_of_work
        self._clock = clock

    def start(self, caller: Caller, task_id: uuid.UUID) -> tuple[TimeEntry, bool]:
        """The running entry, and whether it is new (False: it already ran on this task)."""
        with self._uow() as uow:
            actor = actor_of(uow, caller.user_id, caller.role)
            task = visible_task(uow, actor, task_id, "task_id")
            now = self._clock.now()
            entry = start_timer(
                uow, actor.user_id, task, now, EntrySource.TIMER, now, actor.user_id
            )
            started = bool(entry.events)
            uow.commit()
            return entry, started

    def stop(self, caller: Caller) -> TimeEntry:
        with self._uow() as uow:
            uow.lock_user_timer(caller.user_id)
            running = uow.entries.running_for(caller.user_id)
            if running is None:
                raise NoRunningTimer("No timer is running.")
            now = self._clock.now()
            running.stop(now, now, caller.user_id)
            uow.entries.save(running)
            uow.commit()
            return running

    def current(self, caller: Caller) -> TimeEntry | None:
        with self._uow() as uow:
            return uow.entries.running_for(caller.user_id)


def follow_workflow(
    uow: TimeUnitOfWork,
    before: TaskRef | None,
    after: TaskRef,
    previous_status: str | None,
    at: datetime,
    now: datetime,
) -> None:
    """Apply a task's move to the automatic timers: assignees with auto-tracking get a timer
    while the task is in progress, and lose it when it leaves (or they leave the task)."""
    was = previous_status if before is None else before.status
    was_assignees = after.assignee_ids if before is None else before.assignee_ids
    tracked_before = set(was_assignees) if was == IN_PROGRESS else set()
    tracked_now = (
        set(after.assignee_ids) if after.status == IN_PROGRESS and not after.is_archived else set()
    )
    for user_id in _sorted(tracked_before - tracked_now):
        _stop_automatic(uow, user_id, after.task_id, at, now)
    starting = uow.preferences.auto_tracking_of(_sorted(tracked_now - tracked_before))
    for user_id in _sorted(starting):
        start_timer(uow, user_id, after, at, EntrySource.AUTOMATIC, now, None)


def _stop_automatic(
    uow: TimeUnitOfWork, user_id: uuid.UUID, task_id: uuid.UUID, at: datetime, now: datetime
) -> None:
    uow.lock_user_timer(user_id)
    running = uow.entries.running_for(user_id)
    # Only the timer the workflow started: a timer the user started stays theirs to stop.
    if running is None or running.task_id != task_id or running.source != EntrySource.AUTOMATIC:
        return
    running.stop(at, now, None)
    uow.entries.save(running)


def _sorted(users: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    # A fixed order of the user locks: two events never wait on each other.
    return sorted(users)
