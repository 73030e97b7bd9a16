"""PlanTaskNotifications and DeliverNotifications with fakes at their ports."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from taskhive_shared.mail.message import MailDeliveryError, OutgoingEmail
from tasks_service.application.notifications.delivery import DeliverNotifications
from tasks_service.application.notifications.planning import PlanTaskNotifications
from tasks_service.application.notifications.ports import NewNotification, NotificationRecord
from tasks_service.domain.notifications import NotificationStatus, NotificationType, Recipient

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = NOW

    def now(self) -> datetime:
        return self.at


@dataclass
class Store:
    rows: dict[uuid.UUID, NotificationRecord] = field(default_factory=dict)
    people: dict[uuid.UUID, Recipient] = field(default_factory=dict)


class FakeUow:
    """Notifications and the replica's recipients; keeps only what was committed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self.notifications = self.replica = self
        self.callbacks: list[Callable[[], None]] = []

    def __enter__(self) -> Self:
        self.rows = copy.deepcopy(self._store.rows)
        return self

    def __exit__(self, *_: object) -> None:
        del self.rows

    def commit(self) -> None:
        self._store.rows = copy.deepcopy(self.rows)
        for callback in self.callbacks:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)

    def recipients(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Recipient]:
        return {u: self._store.people[u] for u in user_ids if u in self._store.people}

    def add(self, new: Sequence[NewNotification]) -> list[uuid.UUID]:
        keys = {(r.recipient_id, r.kind, r.occasion) for r in self.rows.values()}
        added = []
        for n in new:
            if (n.recipient_id, n.kind, n.occasion) in keys:
                continue
            self.rows[n.id] = NotificationRecord(
                n.id,
                n.recipient_id,
                n.recipient_email,
                n.task_id,
                n.kind,
                n.occasion,
                NotificationStatus.PENDING,
                "",
                n.context,
                0,
                None,
                n.created_at,
                None,
            )
            added.append(n.id)
        return added

    def claim(self, notification_id: uuid.UUID) -> NotificationRecord | None:
        row = self.rows.get(notification_id)
        return row if row and row.status is NotificationStatus.PENDING else None

    def mark_sent(self, notification_id: uuid.UUID, subject: str, at: datetime) -> None:
        row = self.rows[notification_id]
        self.rows[notification_id] = replace(
            row,
            status=NotificationStatus.SENT,
            subject=subject,
            sent_at=at,
            attempts=row.attempts + 1,
        )

    def mark_failed_attempt(
        self, notification_id: uuid.UUID, error: str, at: datetime, *, give_up: bool
    ) -> None:
        row = self.rows[notification_id]
        status = NotificationStatus.FAILED if give_up else NotificationStatus.PENDING
        self.rows[notification_id] = replace(
            row, status=status, last_error=error, attempts=row.attempts + 1
        )


class Dispatcher:
    def __init__(self) -> None:
        self.sent: list[tuple[uuid.UUID, NotificationType, str]] = []

    def send_task_notification(self, task_id: uuid.UUID, kind: NotificationType, occ: str) -> None:
        self.sent.append((task_id, kind, occ))

    def deliver(self, notification_ids: Sequence[uuid.UUID]) -> None:
        raise AssertionError("not used by event notifications")


class Mailer:
    def __init__(self, *failures: MailDeliveryError) -> None:
        self.failures = list(failures)
        self.sent: list[OutgoingEmail] = []

    def send(self, email: OutgoingEmail) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(email)


class Renderer:
    def render(self, record: NotificationRecord) -> OutgoingEmail:
        if record.context.get("broken"):
            raise KeyError("title")
        return OutgoingEmail(record.recipient_email, f"about {record.context['title']}", "t", "h")


def _person(store: Store, *, active: bool = True, **prefs: bool) -> uuid.UUID:
    user_id = uuid.uuid4()
    store.people[user_id] = Recipient(user_id, f"{user_id}@x.org", "P", "UTC", active, prefs)
    return user_id


def _assigned(actor: uuid.UUID, *users: uuid.UUID) -> dict[str, Any]:
    return {
        "task_id": str(uuid.uuid4()),
        "title": "T",
        "status": "todo",
        "priority": "low",
        "created_by": str(actor),
        "assignee_ids": [str(u) for u in users],
        "user_ids": [str(u) for u in users],
        "actor_id": str(actor),
        "version": 3,
    }


def test_planning_records_one_row_per_willing_person_and_dispatches_after_commit() -> None:
    store = Store()
    actor, keen, muted, gone = (
        _person(store),
        _person(store),
        _person(store, task_assigned=False),
        _person(store, active=False),
    )
    dispatcher = Dispatcher()
    plan = PlanTaskNotifications(Clock(), dispatcher)
    event_id = uuid.uuid4()
    data = _assigned(actor, keen, muted, gone, actor)
    with FakeUow(store) as uow:
        created = plan("tasks.task.assigned.v1", event_id, data, uow)
        assert dispatcher.sent == []  # nothing leaves before the commit
        uow.commit()
    assert [store.rows[i].recipient_id for i in created] == [keen]
    assert dispatcher.sent == [
        (uuid.UUID(data["task_id"]), NotificationType.TASK_ASSIGNED, str(event_id))
    ]
    with FakeUow(store) as uow:  # the same event again: nothing new, nothing dispatched
        assert plan("tasks.task.assigned.v1", event_id, data, uow) == []
        uow.commit()
    assert len(dispatcher.sent) == 1


def test_a_rolled_back_plan_dispatches_nothing() -> None:
    store = Store()
    actor, keen = _person(store), _person(store)
    dispatcher = Dispatcher()
    with FakeUow(store) as uow:
        PlanTaskNotifications(Clock(), dispatcher)(
            "tasks.task.assigned.v1", uuid.uuid4(), _assigned(actor, keen), uow
        )
    assert dispatcher.sent == []
    assert store.rows == {}


def _pending(store: Store, **context: Any) -> uuid.UUID:
    with FakeUow(store) as uow:
        [row_id] = uow.add(
            [
                NewNotification(
                    uuid.uuid4(),
                    uuid.uuid4(),
                    "r@x.org",
                    uuid.uuid4(),
                    NotificationType.TASK_COMMENTED,
                    str(uuid.uuid4()),
                    {"title": "T"} | context,
                    NOW,
                )
            ]
        )
        uow.commit()
    return row_id


def _deliver(store: Store, mailer: Mailer, clock: Clock | None = None) -> DeliverNotifications:
    return DeliverNotifications(
        lambda: FakeUow(store), mailer, Renderer(), clock or Clock(), timedelta(hours=24)
    )


def test_delivery_sends_once_and_skips_what_is_no_longer_pending() -> None:
    store, mailer = Store(), Mailer()
    row = _pending(store)
    deliver = _deliver(store, mailer)
    first, second = deliver([row]), deliver([row])
    assert (first.sent, second.sent, second.skipped) == (1, 0, 1)
    assert [m.subject for m in mailer.sent] == ["about T"]
    assert store.rows[row].status is NotificationStatus.SENT
    assert store.rows[row].subject == "about T"


def test_temporary_failures_are_retried_for_a_day_then_the_row_fails() -> None:
    store, clock = Store(), Clock()
    row = _pending(store)
    later = MailDeliveryError("451 later", permanent=False)
    deliver = _deliver(store, Mailer(later, later, later), clock)
    assert deliver([row]).to_retry == [row]
    clock.at = NOW + timedelta(hours=23)
    assert deliver([row]).to_retry == [row]
    clock.at = NOW + timedelta(hours=24)
    last = deliver([row])
    assert (last.to_retry, last.failed) == ([], 1)
    assert store.rows[row].status is NotificationStatus.FAILED
    assert store.rows[row].attempts == 3


def test_a_permanent_failure_or_a_broken_template_fails_the_row_at_once() -> None:
    store = Store()
    refused, broken = _pending(store), _pending(store, broken=True)
    report = _deliver(store, Mailer(MailDeliveryError("550 no", permanent=True)))([refused, broken])
    assert report.failed == 2
    assert store.rows[refused].last_error == "550 no"
    assert (store.rows[broken].last_error or "").startswith("render failed: KeyError")
