"""PublishSnapshots: re-announce every task (`tasks.task.snapshot.v1`), every working calendar
(`tasks.calendar.snapshot.v1`) and every team's saved settings
(`tasks.team_settings.snapshot.v1`), so that a consumer can rebuild its read model or replica
(analytics' `rebuild`; timetracking's calendars deployed on an existing platform; DESIGN §6).

One transaction per batch (no long lock, no huge transaction; an interrupted run can start
again). The task records the snapshot itself (`republish`) and the same translator as every
other task event writes it: a snapshot's summary cannot drift from a live event's. It carries
the status history from the history log, so that time-in-status, lead and cycle times can be
derived again exactly. Calendars and team settings have no recorded events: their snapshots
are built by the same functions as their live events (application.calendar_events).
Snapshots carry the current version, so a replica that already holds it (or a newer one, or a
deletion's tombstone) ignores them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tasks_service.application.calendar_events import (
    record_calendar_snapshot,
    record_team_settings_snapshot,
)
from tasks_service.application.ports import Clock, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.domain.automation import Calendar, TeamSettings
from tasks_service.domain.model import Task

Item = TypeVar("Item")


def status_history(
    task: Task, moves: list[tuple[datetime, str, str]]
) -> list[tuple[datetime, str]]:
    """The status from creation on: the first move's old status (else today's) at creation,
    then each move's new status."""
    initial = moves[0][1] if moves else task.status.value
    return [(task.created_at, initial), *((at, new) for at, _, new in moves)]


@dataclass(frozen=True, slots=True)
class SnapshotCounts:
    tasks: int
    calendars: int
    team_settings: int


@dataclass(frozen=True, slots=True)
class PublishSnapshotsHandler:
    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, batch_size: int = 500) -> SnapshotCounts:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        return SnapshotCounts(
            tasks=self._batches(
                lambda uow, after: uow.tasks.batch_after(after, batch_size),
                lambda task: task.id,
                _republish_tasks,
            ),
            calendars=self._batches(
                lambda uow, after: uow.automation.calendars_after(after, batch_size),
                lambda calendar: calendar.id,
                _snapshot_calendars,
            ),
            team_settings=self._batches(
                lambda uow, after: uow.automation.team_settings_after(after, batch_size),
                lambda settings: settings.team_id,
                _snapshot_team_settings,
            ),
        )

    def _batches(
        self,
        batch_after: Callable[[TasksUnitOfWork, uuid.UUID | None], Sequence[Item]],
        key: Callable[[Item], uuid.UUID],
        publish: Callable[[TasksUnitOfWork, Sequence[Item], datetime], None],
    ) -> int:
        """Every item `batch_after` hands out, in id order, one transaction per batch."""
        published = 0
        after: uuid.UUID | None = None
        while True:
            with self.uow() as uow:
                batch = batch_after(uow, after)
                if not batch:
                    return published
                publish(uow, batch, self.clock.now())
                uow.commit()
            published += len(batch)
            after = key(batch[-1])


def _republish_tasks(uow: TasksUnitOfWork, batch: Sequence[Task], now: datetime) -> None:
    moves = uow.history.status_moves([task.id for task in batch])
    for task in batch:
        task.republish(now, status_history(task, moves.get(task.id, [])))


def _snapshot_calendars(uow: TasksUnitOfWork, batch: Sequence[Calendar], now: datetime) -> None:
    for calendar in batch:
        record_calendar_snapshot(uow, calendar, now)


def _snapshot_team_settings(
    uow: TasksUnitOfWork, batch: Sequence[TeamSettings], now: datetime
) -> None:
    for settings in batch:
        record_team_settings_snapshot(uow, settings, now)
