"""The scheduled jobs of tasks (DESIGN §7), each safe to run twice or to interrupt.

Every job works in batches of one transaction each, taking rows with SKIP LOCKED: an
overlapping run takes other rows, a killed run loses at most its open batch (rolled back),
and what a batch changed is marked so that the next run does not do it again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from taskhive_shared.ids import uuid7
from tasks_service.application.notifications.planning import NotificationDispatcher
from tasks_service.application.notifications.ports import NewNotification, UserSummary
from tasks_service.application.ports import Clock, UnitOfWorkFactory
from tasks_service.domain.notifications import NotificationType

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 500
CATCH_UP_HOURS = 3
"""How long after the configured hour a person without a summary for the day still gets one."""
DELIVERY_CHUNK = 100
"""Notifications per delivery job: well inside a job's time limit even over slow SMTP."""


@dataclass(frozen=True, slots=True)
class CheckOverdueTasks:
    """Flag open tasks past their due date, once each: history row + `tasks.task.overdue.v1`
    (whose consumer notifies the assignees)."""

    uow: UnitOfWorkFactory
    clock: Clock

    def __call__(self, now: datetime | None = None, batch_size: int = DEFAULT_BATCH) -> int:
        at = now or self.clock.now()
        flagged = 0
        while True:
            with self.uow() as uow:
                batch = uow.tasks.overdue_candidates(at, batch_size)
                flagged += sum(task.mark_overdue(at) for task in batch)
                uow.commit()
            if len(batch) < batch_size:
                return flagged


@dataclass(frozen=True, slots=True)
class RemindDueSoonTasks:
    """Announce open tasks due within the horizon, once per due date (`tasks.task.due_soon.v1`)."""

    uow: UnitOfWorkFactory
    clock: Clock
    horizon: timedelta = timedelta(hours=24)

    def __call__(self, now: datetime | None = None, batch_size: int = DEFAULT_BATCH) -> int:
        at = now or self.clock.now()
        reminded = 0
        while True:
            with self.uow() as uow:
                batch = uow.tasks.due_soon_candidates(at, at + self.horizon, batch_size)
                for task in batch:
                    task.remind_due_soon(at)
                reminded += len(batch)
                uow.commit()
            if len(batch) < batch_size:
                return reminded


@dataclass(frozen=True, slots=True)
class GenerateDailySummaries:
    """Record one summary per active user whose local time is `hour` (or up to
    `catch_up_hours` later, if no run took them yet), who wants it and has something to read;
    the deliveries are enqueued per batch once it is committed."""

    uow: UnitOfWorkFactory
    clock: Clock
    dispatcher: NotificationDispatcher
    hour: int = 7
    catch_up_hours: int = CATCH_UP_HOURS

    def __call__(
        self, now: datetime | None = None, batch_size: int = DEFAULT_BATCH
    ) -> dict[str, int]:
        at = now or self.clock.now()
        after: uuid.UUID | None = None
        counts = {"users": 0, "recorded": 0, "skipped_empty": 0}
        while True:
            with self.uow() as uow:
                people = uow.summaries.people(at, self.hour, self.catch_up_hours, after, batch_size)
                worth_sending = [p for p in people if not p.is_empty]
                created = uow.notifications.add(
                    [_summary_notification(p, at) for p in worth_sending]
                )
                for start in range(0, len(created), DELIVERY_CHUNK):
                    chunk = created[start : start + DELIVERY_CHUNK]
                    uow.after_commit(partial(self.dispatcher.deliver, chunk))
                uow.commit()
            counts["users"] += len(people)
            counts["recorded"] += len(created)
            counts["skipped_empty"] += len(people) - len(worth_sending)
            if len(people) < batch_size:
                return counts
            after = people[-1].user_id


def _summary_notification(summary: UserSummary, at: datetime) -> NewNotification:
    context: dict[str, Any] = {
        "recipient_name": summary.display_name,
        "local_day": summary.local_day.isoformat(),
        "timezone": summary.timezone,
        "open_count": summary.open_count,
        "due_today_count": summary.due_today_count,
        "overdue_count": summary.overdue_count,
        "completed_yesterday_count": summary.completed_yesterday_count,
        "open_tasks": [
            {
                "id": str(task.id),
                "title": task.title,
                "status": task.status,
                "priority": task.priority,
                "due_date": task.due_date.isoformat() if task.due_date else None,
                "is_overdue": task.is_overdue,
            }
            for task in summary.open_tasks
        ],
    }
    return NewNotification(
        id=uuid7(),
        recipient_id=summary.user_id,
        recipient_email=summary.email,
        task_id=None,
        kind=NotificationType.DAILY_SUMMARY,
        # One per person and local day, whatever the number of runs.
        occasion=f"day:{summary.local_day.isoformat()}",
        context=context,
        created_at=at,
    )


@dataclass(frozen=True, slots=True)
class RetryStaleNotifications:
    """Re-enqueue pending notifications nobody delivered (lost enqueue, retries exhausted by
    a worker restart): the delivery job itself is idempotent."""

    uow: UnitOfWorkFactory
    clock: Clock
    dispatcher: NotificationDispatcher
    older_than: timedelta = timedelta(minutes=10)

    def __call__(self, limit: int = 5000) -> int:
        with self.uow() as uow:
            stale = uow.notifications.stale_pending(self.clock.now() - self.older_than, limit)
        for start in range(0, len(stale), DELIVERY_CHUNK):
            try:
                self.dispatcher.deliver(stale[start : start + DELIVERY_CHUNK])
            except Exception:  # one chunk that cannot be handed over must not stop the sweep
                logger.exception("re-enqueueing stale notifications failed")
        return len(stale)
