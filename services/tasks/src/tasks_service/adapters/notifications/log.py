"""PostgreSQL notification log: one row per email to send, its delivery state and attempts."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from tasks_service.adapters.persistence.tables import notifications
from tasks_service.adapters.persistence.tasks import utc
from tasks_service.application.notifications.ports import (
    NewNotification,
    NotificationFilter,
    NotificationRecord,
)
from tasks_service.domain.notifications import NotificationStatus, NotificationType

_ERROR_LIMIT = 2000


def _record(row: Any) -> NotificationRecord:
    return NotificationRecord(
        id=row.id,
        recipient_id=row.recipient_id,
        recipient_email=row.recipient_email,
        task_id=row.task_id,
        kind=NotificationType(row.notification_type),
        occasion=row.occasion,
        status=NotificationStatus(row.status),
        subject=row.subject,
        context=row.context,
        attempts=row.attempts,
        last_error=row.last_error,
        # In UTC whatever the session's TimeZone (the API serves them as they are).
        created_at=utc(row.created_at),
        sent_at=utc(row.sent_at) if row.sent_at else None,
    )


class SqlAlchemyNotificationLog:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, new: Sequence[NewNotification]) -> list[uuid.UUID]:
        if not new:
            return []
        insert = postgresql.insert(notifications).values(
            [
                {
                    "id": n.id,
                    "recipient_id": n.recipient_id,
                    "recipient_email": n.recipient_email,
                    "task_id": n.task_id,
                    "notification_type": n.kind.value,
                    "occasion": n.occasion,
                    "status": NotificationStatus.PENDING.value,
                    "subject": "",
                    "context": dict(n.context),
                    "attempts": 0,
                    "created_at": n.created_at,
                }
                for n in new
            ]
        )
        rows = self._session.execute(
            insert.on_conflict_do_nothing(constraint="uq_notifications_once").returning(
                notifications.c.id
            )
        )
        return [row.id for row in rows]

    def pending_for(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> list[uuid.UUID]:
        rows = self._session.execute(
            sa.select(notifications.c.id).where(
                notifications.c.task_id == task_id,
                notifications.c.notification_type == kind.value,
                notifications.c.occasion == occasion,
                notifications.c.status == NotificationStatus.PENDING.value,
            )
        )
        return [row.id for row in rows]

    def claim(self, notification_id: uuid.UUID) -> NotificationRecord | None:
        # SKIP LOCKED: a second worker delivering the same row right now gets nothing.
        row = self._session.execute(
            sa.select(notifications)
            .where(
                notifications.c.id == notification_id,
                notifications.c.status == NotificationStatus.PENDING.value,
            )
            .with_for_update(skip_locked=True)
        ).first()
        return _record(row) if row else None

    def mark_sent(self, notification_id: uuid.UUID, subject: str, at: datetime) -> None:
        self._session.execute(
            notifications.update()
            .where(notifications.c.id == notification_id)
            .values(
                status=NotificationStatus.SENT.value,
                subject=subject,
                sent_at=at,
                attempts=notifications.c.attempts + 1,
                last_error=None,
                last_attempt_at=at,
            )
        )

    def mark_failed_attempt(
        self, notification_id: uuid.UUID, error: str, at: datetime, *, give_up: bool
    ) -> None:
        status = NotificationStatus.FAILED if give_up else NotificationStatus.PENDING
        self._session.execute(
            notifications.update()
            .where(notifications.c.id == notification_id)
            .values(
                status=status.value,
                attempts=notifications.c.attempts + 1,
                last_error=error[:_ERROR_LIMIT],
                last_attempt_at=at,
            )
        )

    def stale_pending(self, untouched_since: datetime, limit: int) -> list[uuid.UUID]:
        # Rows in their own retry chain (attempted lately) are left to it.
        touched = sa.func.coalesce(notifications.c.last_attempt_at, notifications.c.created_at)
        rows = self._session.execute(
            sa.select(notifications.c.id)
            .where(
                notifications.c.status == NotificationStatus.PENDING.value,
                touched < untouched_since,
            )
            .order_by(touched)
            .limit(limit)
        )
        return [row.id for row in rows]

    def page(
        self,
        wanted: NotificationFilter,
        after: tuple[datetime, uuid.UUID] | None,
        limit: int,
    ) -> list[NotificationRecord]:
        query = sa.select(notifications)
        if wanted.recipient_id is not None:
            query = query.where(notifications.c.recipient_id == wanted.recipient_id)
        if wanted.task_id is not None:
            query = query.where(notifications.c.task_id == wanted.task_id)
        if wanted.status is not None:
            query = query.where(notifications.c.status == wanted.status.value)
        if wanted.kind is not None:
            query = query.where(notifications.c.notification_type == wanted.kind.value)
        if after is not None:
            query = query.where(
                sa.tuple_(notifications.c.created_at, notifications.c.id) < sa.tuple_(*after)
            )
        query = query.order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
        return [_record(row) for row in self._session.execute(query.limit(limit))]
