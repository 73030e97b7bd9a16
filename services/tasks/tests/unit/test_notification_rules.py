"""Who is told what (pure rules), and the email a notification row renders to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tasks_service.adapters.notifications.renderer import TemplateNotificationRenderer
from tasks_service.application.notifications.ports import NotificationRecord
from tasks_service.domain.notifications import (
    NotificationStatus,
    NotificationType,
    Recipient,
    audience_of,
    due_occasion,
)

ANN, BOB, CID = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _data(**extra: object) -> dict[str, object]:
    return {
        "task_id": str(uuid.uuid4()),
        "created_by": str(ANN),
        "assignee_ids": [str(BOB), str(CID)],
        "actor_id": str(ANN),
        "version": 2,
    } | extra


def test_the_actor_is_never_told_about_their_own_change() -> None:
    audience = audience_of("tasks.task.status_changed.v1", _data(actor_id=str(BOB)))
    assert audience is not None
    assert audience.kind is NotificationType.TASK_STATUS_CHANGED
    assert set(audience.user_ids) == {CID, ANN}  # assignees and the creator, not the mover


def test_assigned_tells_only_the_new_assignees() -> None:
    audience = audience_of("tasks.task.assigned.v1", _data(user_ids=[str(CID)]))
    assert audience is not None
    assert audience.user_ids == (CID,)


def test_assignees_given_at_creation_hear_of_it_once() -> None:
    created = audience_of("tasks.task.created.v1", _data(version=1))
    assigned = audience_of("tasks.task.assigned.v1", _data(version=1, user_ids=[str(BOB)]))
    assert created is not None
    assert set(created.user_ids) == {BOB, CID}
    assert assigned is not None
    assert assigned.user_ids == ()


def test_other_events_notify_nobody() -> None:
    assert audience_of("tasks.task.updated.v1", _data()) is None
    assert audience_of("tasks.task.deleted.v1", _data()) is None


def test_preferences_and_deactivation_silence_a_recipient() -> None:
    person = Recipient(BOB, "b@x.org", "Bob", "UTC", True, {"task_assigned": False})
    assert not person.wants(NotificationType.TASK_ASSIGNED)
    assert person.wants(NotificationType.TASK_COMMENTED)  # missing means on
    gone = Recipient(BOB, "b@x.org", "Bob", "UTC", False, {})
    assert not gone.wants(NotificationType.TASK_COMMENTED)


def test_due_occasions_are_per_task_and_due_date() -> None:
    task = uuid.uuid4()
    assert due_occasion(task, "2026-12-01T10:00:00+00:00") != due_occasion(task, None)
    assert due_occasion(task, "x") != due_occasion(uuid.uuid4(), "x")


def _record(kind: NotificationType, context: dict[str, object]) -> NotificationRecord:
    return NotificationRecord(
        id=uuid.uuid4(),
        recipient_id=BOB,
        recipient_email="bob@example.org",
        task_id=uuid.uuid4(),
        kind=kind,
        occasion="o",
        status=NotificationStatus.PENDING,
        subject="",
        context=context,
        attempts=0,
        last_error=None,
        created_at=datetime.now(UTC),
        sent_at=None,
    )


def test_a_comment_email_escapes_html_and_links_the_task() -> None:
    renderer = TemplateNotificationRenderer("https://hive.example/")
    record = _record(
        NotificationType.TASK_COMMENTED,
        {
            "task_id": "t-1",
            "title": "Fix <b>it</b>",
            "status": "in_progress",
            "priority": "high",
            "due_date": None,
            "comment_excerpt": "<script>x</script>",
            "actor_name": "Ann",
            "recipient_name": "Bob",
        },
    )
    email = renderer.render(record)
    assert email.subject == "[Taskhive] Ann commented on “Fix <b>it</b>”"
    assert "<script>" not in email.html
    assert "&lt;script&gt;" in email.html
    assert "<script>x</script>" in email.text
    assert "https://hive.example/tasks/t-1" in email.text
    assert email.message_id == f"<{record.id}@taskhive>"


def test_the_daily_summary_lists_tasks_and_counts_the_rest() -> None:
    renderer = TemplateNotificationRenderer("http://h")
    tasks = [
        {
            "id": "a",
            "title": "One",
            "status": "todo",
            "priority": "low",
            "due_date": None,
            "is_overdue": False,
        },
    ]
    email = renderer.render(
        _record(
            NotificationType.DAILY_SUMMARY,
            {
                "recipient_name": "Bob",
                "local_day": "2026-11-25",
                "timezone": "Europe/Paris",
                "open_count": 3,
                "due_today_count": 1,
                "overdue_count": 0,
                "completed_yesterday_count": 2,
                "open_tasks": tasks,
            },
        )
    )
    assert email.subject == "[Taskhive] Your day: 3 open, 1 due today"
    assert "One" in email.text
    assert "… and 2 more" in email.text
