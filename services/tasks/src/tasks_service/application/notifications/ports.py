"""Ports of the background jobs: the notification log, the job-side task queries, the mailer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from tasks_service.domain.notifications import NotificationStatus, NotificationType

SEND_TASK_NOTIFICATION = "tasks.send_task_notification"
DELIVER_NOTIFICATIONS = "tasks.deliver_notifications"
"""The jobs the dispatcher enqueues (names the worker registers them under)."""


@dataclass(frozen=True, slots=True)
class NewNotification:
    id: uuid.UUID
    recipient_id: uuid.UUID
    recipient_email: str
    task_id: uuid.UUID | None
    kind: NotificationType
    occasion: str
    context: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class NotificationRecord:
    id: uuid.UUID
    recipient_id: uuid.UUID
    recipient_email: str
    task_id: uuid.UUID | None
    kind: NotificationType
    occasion: str
    status: NotificationStatus
    subject: str
    context: Mapping[str, Any]
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class NotificationFilter:
    recipient_id: uuid.UUID | None = None
    task_id: uuid.UUID | None = None
    status: NotificationStatus | None = None
    kind: NotificationType | None = None


class NotificationLog(Protocol):
    def add(self, notifications: Sequence[NewNotification]) -> list[uuid.UUID]:
        """Insert the ones not recorded yet (same recipient, kind, occasion); their ids."""
        ...

    def pending_for(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> list[uuid.UUID]: ...

    def claim(self, notification_id: uuid.UUID) -> NotificationRecord | None:
        """Lock a pending row for this transaction; None if sent, failed or being sent."""
        ...

    def mark_sent(self, notification_id: uuid.UUID, subject: str, at: datetime) -> None: ...

    def mark_failed_attempt(
        self, notification_id: uuid.UUID, error: str, at: datetime, *, give_up: bool
    ) -> None: ...

    def stale_pending(self, untouched_since: datetime, limit: int) -> list[uuid.UUID]:
        """Pending rows not attempted (or, never attempted, not created) since the cut-off."""
        ...

    def page(
        self,
        wanted: NotificationFilter,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[NotificationRecord]: ...


@dataclass(frozen=True, slots=True)
class SummaryTask:
    id: uuid.UUID
    title: str
    status: str
    priority: str
    due_date: datetime | None
    is_overdue: bool


@dataclass(frozen=True, slots=True)
class UserSummary:
    user_id: uuid.UUID
    email: str
    display_name: str
    timezone: str
    local_day: date
    open_count: int
    due_today_count: int
    overdue_count: int
    completed_yesterday_count: int
    open_tasks: Sequence[SummaryTask] = field(default_factory=tuple)
    """The first open tasks by due date (the email lists a few, and counts the rest)."""

    @property
    def is_empty(self) -> bool:
        return not (self.open_count or self.completed_yesterday_count)


class DailySummaries(Protocol):
    """The daily summary's query, in the unit of work's transaction."""

    def people(
        self, now: datetime, hour: int, window: int, after: uuid.UUID | None, limit: int
    ) -> list[UserSummary]:
        """Active users who want the summary, whose local time at `now` is within `window`
        hours from `hour`, and who have none for their local day yet; in id order after
        `after`, with their figures."""
        ...
