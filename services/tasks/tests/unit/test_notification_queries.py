"""NotificationQueries: admins read the whole delivery log, everyone else their own mail."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tasks_service.application.notifications.ports import NewNotification, NotificationFilter
from tasks_service.domain.errors import ValidationFailed
from tasks_service.domain.notifications import NotificationStatus, NotificationType


def _record(harness, *recipients: uuid.UUID, kind=NotificationType.TASK_ASSIGNED) -> None:
    start = harness.clock.at
    rows = [
        NewNotification(
            uuid.uuid4(),
            recipient,
            "r@example.org",
            uuid.uuid4(),
            kind,
            str(uuid.uuid4()),
            {},
            start + timedelta(seconds=n),
        )
        for n, recipient in enumerate(recipients)
    ]
    with harness.uow() as uow:
        uow.notifications.add(rows)
        uow.commit()


def _recipients(page) -> list[uuid.UUID]:
    return [row.recipient_id for row in page.items]


def test_an_admin_reads_every_notification_newest_first(harness) -> None:
    admin, ann, bob = harness.store.add_user("admin"), *(harness.store.add_user() for _ in "ab")
    _record(harness, ann, bob, ann)
    page = harness.notifications.page(admin, NotificationFilter(), 20, None)
    assert _recipients(page) == [ann, bob, ann]
    assert [row.created_at for row in page.items] == sorted(
        (row.created_at for row in page.items), reverse=True
    )


@pytest.mark.parametrize("role", ["member", "manager"])
def test_everyone_else_reads_only_their_own_even_when_asking_for_others(harness, role) -> None:
    me, other = harness.store.add_user(role), harness.store.add_user()
    _record(harness, me, other, me)
    page = harness.notifications.page(me, NotificationFilter(recipient_id=other), 20, None)
    assert _recipients(page) == [me, me]


def test_the_log_filters_by_status_and_kind(harness) -> None:
    admin, ann = harness.store.add_user("admin"), harness.store.add_user()
    _record(harness, ann, kind=NotificationType.TASK_COMMENTED)
    _record(harness, ann, kind=NotificationType.TASK_OVERDUE)
    overdue = NotificationFilter(kind=NotificationType.TASK_OVERDUE)
    [row] = harness.notifications.page(admin, overdue, 20, None).items
    assert row.kind is NotificationType.TASK_OVERDUE
    sent = NotificationFilter(status=NotificationStatus.SENT)
    assert harness.notifications.page(admin, sent, 20, None).items == []


def test_the_log_pages_with_a_cursor(harness) -> None:
    admin = harness.store.add_user("admin")
    people = [harness.store.add_user() for _ in range(5)]
    _record(harness, *people)
    seen, cursor = [], None
    while True:
        page = harness.notifications.page(admin, NotificationFilter(), 2, cursor)
        seen += _recipients(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == people[::-1]


@pytest.mark.parametrize("limit", [0, 101])
def test_a_log_page_size_outside_1_to_100_is_refused(harness, limit: int) -> None:
    admin = harness.store.add_user("admin")
    with pytest.raises(ValidationFailed):
        harness.notifications.page(admin, NotificationFilter(), limit, None)
