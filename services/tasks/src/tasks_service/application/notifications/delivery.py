"""Deliver pending notifications: one row per transaction, locked while its email is sent.

The row lock (SKIP LOCKED) keeps two workers from sending the same row; the row turns `sent`
in the same transaction, after the SMTP server accepted the message. A worker that dies in
between leaves the row pending for the redelivered job: at-least-once, with a stable
Message-ID per row so that a rare duplicate folds in mail clients.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from taskhive_shared.mail.message import MailDeliveryError, Mailer, OutgoingEmail
from tasks_service.application.notifications.ports import NotificationRecord
from tasks_service.application.ports import Clock, TasksUnitOfWork, UnitOfWorkFactory
from tasks_service.domain.notifications import NotificationType

logger = logging.getLogger(__name__)


class NotificationRenderer(Protocol):
    def render(self, record: NotificationRecord) -> OutgoingEmail: ...


@dataclass(slots=True)
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    """Already sent, failed for good, or being sent by someone else right now."""
    to_retry: list[uuid.UUID] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DeliverNotifications:
    uow: UnitOfWorkFactory
    mailer: Mailer
    renderer: NotificationRenderer
    clock: Clock
    give_up_after: timedelta = timedelta(hours=24)
    """A temporary failure (SMTP down, 4xx) is retried until the row is this old."""

    def __call__(self, notification_ids: Sequence[uuid.UUID]) -> DeliveryReport:
        report = DeliveryReport()
        for notification_id in notification_ids:
            self._deliver_one(notification_id, report)
        return report

    def _deliver_one(self, notification_id: uuid.UUID, report: DeliveryReport) -> None:
        with self.uow() as uow:
            record = uow.notifications.claim(notification_id)
            if record is None:
                report.skipped += 1
                return
            try:
                email = self.renderer.render(record)
            except Exception as exc:  # a row that cannot render never will: fail it, go on
                logger.exception("notification cannot be rendered")
                self._fail(uow, record, f"render failed: {type(exc).__name__}: {exc}", report)
                return
            try:
                self.mailer.send(email)
            except (ValueError, TypeError) as exc:  # the message cannot even be built
                logger.exception("notification cannot be sent")
                self._fail(uow, record, f"unsendable: {type(exc).__name__}: {exc}", report)
                return
            except MailDeliveryError as exc:
                now = self.clock.now()
                give_up = exc.permanent or now - record.created_at >= self.give_up_after
                uow.notifications.mark_failed_attempt(record.id, str(exc), now, give_up=give_up)
                uow.commit()
                logger.warning(
                    "notification not delivered",
                    extra={"notification_id": str(record.id), "give_up": give_up},
                )
                if give_up:
                    report.failed += 1
                else:
                    report.to_retry.append(record.id)
                return
            uow.notifications.mark_sent(record.id, email.subject, self.clock.now())
            uow.commit()
            report.sent += 1

    def _fail(
        self, uow: TasksUnitOfWork, record: NotificationRecord, reason: str, report: DeliveryReport
    ) -> None:
        uow.notifications.mark_failed_attempt(record.id, reason, self.clock.now(), give_up=True)
        uow.commit()
        report.failed += 1

    def pending_of_task(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> list[uuid.UUID]:
        with self.uow() as uow:
            return uow.notifications.pending_for(task_id, kind, occasion)
