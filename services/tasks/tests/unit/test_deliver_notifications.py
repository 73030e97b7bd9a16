"""DeliverNotifications over the fake notification log: one row per transaction, sent once,
failed for good when it can never be sent, retried while a failure may pass."""

from __future__ import annotations

import uuid
from datetime import timedelta

from taskhive_shared.mail.message import MailDeliveryError, OutgoingEmail
from tasks_service.application.notifications.delivery import DeliverNotifications
from tasks_service.application.notifications.ports import NewNotification, NotificationRecord
from tasks_service.domain.notifications import NotificationStatus, NotificationType


class Mailer:
    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)


class Renderer:
    def render(self, record: NotificationRecord) -> OutgoingEmail:
        title = record.context["title"]  # a row without a title cannot render
        return OutgoingEmail(record.recipient_email, f"[Taskhive] {title}", "text", "<p>html</p>")


def _rows(harness, *contexts: dict, task_id=None, occasion="o") -> list[uuid.UUID]:
    task_id = task_id or uuid.uuid4()
    new = [
        NewNotification(
            uuid.uuid4(),
            uuid.uuid4(),
            "r@example.org",
            task_id,
            NotificationType.TASK_ASSIGNED,
            occasion,
            context,
            harness.clock.at,
        )
        for context in contexts
    ]
    with harness.uow() as uow:
        ids = uow.notifications.add(new)
        uow.commit()
    return ids


def _deliver(harness, mailer: Mailer) -> DeliverNotifications:
    return DeliverNotifications(harness.uow, mailer, Renderer(), harness.clock)


def _row(harness, row_id: uuid.UUID) -> NotificationRecord:
    return harness.store.state.notifications[row_id]


def test_a_pending_row_is_sent_once_with_its_subject(harness) -> None:
    [row_id] = _rows(harness, {"title": "Ship"})
    mailer = Mailer()
    deliver = _deliver(harness, mailer)
    first, again = deliver([row_id]), deliver([row_id])
    assert (first.sent, again.sent, again.skipped) == (1, 0, 1)
    row = _row(harness, row_id)
    assert (row.status, row.subject, row.attempts) == (
        NotificationStatus.SENT,
        "[Taskhive] Ship",
        1,
    )
    assert [m.subject for m in mailer.sent] == ["[Taskhive] Ship"]


def test_a_message_that_cannot_be_built_fails_at_once(harness) -> None:
    [row_id] = _rows(harness, {"title": "Ship"})
    report = _deliver(harness, Mailer(ValueError("bad address")))([row_id])
    assert report.failed == 1
    row = _row(harness, row_id)
    assert row.status is NotificationStatus.FAILED
    assert (row.last_error or "").startswith("unsendable: ValueError")


def test_a_temporary_failure_keeps_the_row_pending_for_a_retry(harness) -> None:
    [row_id] = _rows(harness, {"title": "Ship"})
    report = _deliver(harness, Mailer(MailDeliveryError("421 busy", permanent=False)))([row_id])
    assert report.to_retry == [row_id]
    row = _row(harness, row_id)
    assert (row.status, row.attempts, row.last_error) == (
        NotificationStatus.PENDING,
        1,
        "421 busy",
    )


def test_a_temporary_failure_a_day_old_is_given_up(harness) -> None:
    [row_id] = _rows(harness, {"title": "Ship"})
    harness.clock.at += timedelta(hours=24)
    report = _deliver(harness, Mailer(MailDeliveryError("421 busy", permanent=False)))([row_id])
    assert (report.failed, report.to_retry) == (1, [])
    assert _row(harness, row_id).status is NotificationStatus.FAILED


def test_a_row_that_cannot_render_fails_alone(harness) -> None:
    broken, fine = _rows(harness, {}, {"title": "Fine"})
    report = _deliver(harness, Mailer())([broken, fine])
    assert (report.failed, report.sent) == (1, 1)
    assert (_row(harness, broken).last_error or "").startswith("render failed: KeyError")
    assert _row(harness, fine).status is NotificationStatus.SENT


def test_the_pending_rows_of_one_task_and_occasion_are_found(harness) -> None:
    task_id = uuid.uuid4()
    mine = _rows(harness, {"title": "a"}, {"title": "b"}, task_id=task_id, occasion="due:1")
    _rows(harness, {"title": "c"}, task_id=task_id, occasion="due:2")
    _rows(harness, {"title": "d"}, occasion="due:1")
    deliver = _deliver(harness, Mailer())
    deliver([mine[0]])
    assert deliver.pending_of_task(task_id, NotificationType.TASK_ASSIGNED, "due:1") == [mine[1]]
