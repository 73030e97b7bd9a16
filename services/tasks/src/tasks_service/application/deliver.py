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
from typing import Protocol

from taskhive_shared.mail.message import MailDeliveryError, Mailer, OutgoingEmail
from tasks_service.application.notification_ports import NotificationRecord
from tasks_service.application.ports import Clock, UnitOfWorkFactory
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
    max_attempts: int = 6

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
                uow.notifications.mark_failed_attempt(
                    record.id, f"render failed: {type(exc).__name__}: {exc}", give_up=True
                )
                uow.commit()
                report.failed += 1
                return
            try:
                self.mailer.send(email)
            except MailDeliveryError as exc:
                give_up = exc.permanent or record.attempts + 1 >= self.max_attempts
                uow.notifications.mark_failed_attempt(record.id, str(exc), give_up=give_up)
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

    def pending_of_task(
        self, task_id: uuid.UUID, kind: NotificationType, occasion: str
    ) -> list[uuid.UUID]:
        with self.uow() as uow:
            return uow.notifications.pending_for(task_id, kind, occasion)
