"""The scheduled jobs: overdue flagged once, due soon announced once per due date, old
archived tasks purged with their deletion announced, daily summaries, the stale sweeper."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tasks_unit_fakes import create_task, patch, stored

from tasks_service.application.archive_task import ArchiveTask
from tasks_service.application.comments import AddComment
from tasks_service.application.notifications.ports import NewNotification
from tasks_service.domain.notifications import NotificationStatus, NotificationType

DAY = timedelta(days=1)


def _events(harness, event_type: str) -> list[dict]:
    return [data for kind, data in harness.store.state.events if kind == event_type]


# Overdue


def test_an_open_task_past_its_due_date_is_flagged_recorded_and_announced(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    due = harness.clock.at + timedelta(hours=1)
    task_id = create_task(harness, ann, due_date=due, assignees=[bob])
    assert harness.check_overdue(now=due + timedelta(minutes=1)) == 1
    task = stored(harness, task_id)
    assert (task.is_overdue, task.version) == (True, 2)
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.actor_id, entry.changes) == (
        "overdue",
        None,
        {"is_overdue": {"old": False, "new": True}},
    )
    [data] = _events(harness, "tasks.task.overdue.v1")
    assert (data["task_id"], data["actor_id"], data["assignee_ids"]) == (
        str(task_id),
        None,
        [str(bob)],
    )


def test_a_task_is_flagged_overdue_only_once(harness) -> None:
    ann = harness.store.add_user()
    create_task(harness, ann, due_date=harness.clock.at - DAY)
    assert harness.check_overdue() == 1
    assert harness.check_overdue() == 0
    assert len(_events(harness, "tasks.task.overdue.v1")) == 1


def test_a_task_due_exactly_now_is_overdue(harness) -> None:
    ann = harness.store.add_user()
    due = harness.clock.at + DAY
    create_task(harness, ann, due_date=due)
    assert harness.check_overdue(now=due - timedelta(seconds=1)) == 0
    assert harness.check_overdue(now=due) == 1


@pytest.mark.parametrize("kind", ["done", "cancelled", "archived", "undated", "future"])
def test_closed_archived_undated_and_future_tasks_are_not_flagged(harness, kind: str) -> None:
    ann = harness.store.add_user()
    past = harness.clock.at - DAY
    values = {
        "done": {"status": "done", "due_date": past},
        "cancelled": {"status": "cancelled", "due_date": past},
        "archived": {"due_date": past},
        "undated": {},
        "future": {"due_date": harness.clock.at + DAY},
    }[kind]
    task_id = create_task(harness, ann, **values)
    if kind == "archived":
        harness.archive(ArchiveTask(actor_id=ann, task_id=task_id))
    assert harness.check_overdue() == 0
    assert stored(harness, task_id).is_overdue is False


def test_the_overdue_job_works_through_every_batch(harness) -> None:
    ann = harness.store.add_user()
    ids = [create_task(harness, ann, due_date=harness.clock.at - DAY) for _ in range(5)]
    assert harness.check_overdue(batch_size=2) == 5
    assert all(stored(harness, task_id).is_overdue for task_id in ids)


def test_a_rescheduled_task_is_no_longer_overdue_and_can_become_overdue_again(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, due_date=harness.clock.at - DAY)
    harness.check_overdue()
    later = harness.clock.at + DAY
    patch(harness, ann, task_id, due_date=later)
    assert stored(harness, task_id).is_overdue is False
    assert harness.check_overdue(now=later + timedelta(minutes=1)) == 1
    assert len(_events(harness, "tasks.task.overdue.v1")) == 2


# Due soon


def test_a_task_due_within_the_horizon_is_announced_without_a_new_version(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    due = harness.clock.at + timedelta(hours=5)
    task_id = create_task(harness, ann, due_date=due, assignees=[bob])
    assert harness.remind_due_soon(now=harness.clock.at) == 1
    [data] = _events(harness, "tasks.task.due_soon.v1")
    assert (data["task_id"], data["due_date"]) == (str(task_id), due.isoformat())
    assert stored(harness, task_id).version == 1
    assert [h.action for h in harness.store.history_of(task_id)] == ["created"]


def test_due_soon_is_announced_once_per_due_date(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, due_date=harness.clock.at + timedelta(hours=5))
    now = harness.clock.at
    assert harness.remind_due_soon(now=now) == 1
    assert harness.remind_due_soon(now=now + timedelta(hours=1)) == 0
    patch(harness, ann, task_id, due_date=harness.clock.at + timedelta(hours=8))
    assert harness.remind_due_soon(now=harness.clock.at) == 1
    assert len(_events(harness, "tasks.task.due_soon.v1")) == 2


@pytest.mark.parametrize(
    ("hours", "announced"), [(-1, False), (0.5, True), (24, True), (24.01, False)]
)
def test_only_tasks_due_after_now_and_within_a_day_are_announced(
    harness, hours: float, announced: bool
) -> None:
    ann = harness.store.add_user()
    now = harness.clock.at + timedelta(hours=2)
    create_task(harness, ann, due_date=now + timedelta(hours=hours))
    assert harness.remind_due_soon(now=now) == int(announced)


def test_closed_and_archived_tasks_are_not_announced(harness) -> None:
    ann = harness.store.add_user()
    soon = harness.clock.at + timedelta(hours=3)
    create_task(harness, ann, due_date=soon, status="done")
    archived = create_task(harness, ann, due_date=soon)
    harness.archive(ArchiveTask(actor_id=ann, task_id=archived))
    assert harness.remind_due_soon(now=harness.clock.at) == 0


def test_the_due_soon_job_works_through_every_batch(harness) -> None:
    ann = harness.store.add_user()
    for n in range(5):
        create_task(harness, ann, due_date=harness.clock.at + timedelta(hours=n + 1))
    assert harness.remind_due_soon(now=harness.clock.at, batch_size=2) == 5
    assert harness.remind_due_soon(now=harness.clock.at, batch_size=2) == 0


# Purge of old archived tasks


def _archived_long_ago(harness, actor, **values) -> uuid.UUID:
    task_id = create_task(harness, actor, **values)
    harness.archive(ArchiveTask(actor_id=actor, task_id=task_id))
    return task_id


def test_tasks_archived_longer_ago_than_the_cutoff_are_deleted_and_announced(harness) -> None:
    ann = harness.store.add_user()
    old = _archived_long_ago(harness, ann)
    archived_at = stored(harness, old).archived_at
    harness.clock.at += timedelta(days=31)
    recent = _archived_long_ago(harness, ann)
    live = create_task(harness, ann)
    assert harness.purge_archived(older_than=timedelta(days=30)) == 1
    assert set(harness.store.state.tasks) == {recent, live}
    [data] = _events(harness, "tasks.task.deleted.v1")
    assert (data["task_id"], data["archived_at"], data["actor_id"]) == (
        str(old),
        archived_at.isoformat(),
        None,
    )


def test_a_purged_task_takes_its_comments_and_history_and_frees_its_subtasks(harness) -> None:
    ann = harness.store.add_user()
    parent = create_task(harness, ann)
    child = create_task(harness, ann, parent_task_id=parent)
    harness.comment(AddComment(ann, parent, "bye"))
    harness.archive(ArchiveTask(actor_id=ann, task_id=parent))
    harness.clock.at += timedelta(days=31)
    harness.purge_archived(older_than=timedelta(days=30))
    assert harness.store.history_of(parent) == []
    assert harness.store.state.comments == {}
    assert stored(harness, child).parent_task_id is None


def test_the_purge_works_through_every_batch_and_then_finds_nothing(harness) -> None:
    ann = harness.store.add_user()
    for _ in range(5):
        _archived_long_ago(harness, ann)
    harness.clock.at += timedelta(days=31)
    assert harness.purge_archived(older_than=timedelta(days=30), batch_size=2) == 5
    assert harness.purge_archived(older_than=timedelta(days=30), batch_size=2) == 0
    assert len(_events(harness, "tasks.task.deleted.v1")) == 5


def test_a_purge_batch_needs_at_least_one_task(harness) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        harness.purge_archived(older_than=timedelta(days=30), batch_size=0)


# Daily summaries


def test_a_person_with_open_tasks_gets_one_summary_per_local_day(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    idle = harness.store.add_user()
    for title in ("Alpha", "Beta"):
        create_task(harness, ann, title=title, assignees=[bob])
    seven = harness.clock.at.replace(hour=7, minute=0) + DAY
    counts = harness.daily_summaries(now=seven)
    assert counts == {"users": 3, "recorded": 1, "skipped_empty": 2}
    [row] = harness.store.state.notifications.values()
    assert (row.recipient_id, row.kind, row.occasion) == (
        bob,
        NotificationType.DAILY_SUMMARY,
        f"day:{seven.date().isoformat()}",
    )
    assert row.context["open_count"] == 2
    assert [t["title"] for t in row.context["open_tasks"]] == ["Alpha", "Beta"]
    assert harness.dispatcher.delivered == [[row.id]]
    again = harness.daily_summaries(now=seven + timedelta(hours=1))
    assert again["recorded"] == 0
    assert idle not in {r.recipient_id for r in harness.store.state.notifications.values()}


def test_people_who_turned_the_summary_off_get_none(harness) -> None:
    ann = harness.store.add_user()
    quiet = harness.store.add_user(daily_summary=False)
    create_task(harness, ann, assignees=[quiet])
    harness.daily_summaries(now=harness.clock.at.replace(hour=7) + DAY)
    assert harness.store.state.notifications == {}


def test_summaries_are_made_in_batches_and_handed_over_after_each_commit(harness) -> None:
    ann = harness.store.add_user()
    people = [harness.store.add_user() for _ in range(5)]
    create_task(harness, ann, assignees=people)
    counts = harness.daily_summaries(now=harness.clock.at.replace(hour=7) + DAY, batch_size=2)
    assert counts["recorded"] == 5
    assert len(harness.dispatcher.delivered) == 3
    assert sorted(i for chunk in harness.dispatcher.delivered for i in chunk) == sorted(
        harness.store.state.notifications
    )


# The stale-notification sweeper


def _pending(harness, created_at, count: int = 1) -> list[uuid.UUID]:
    rows = [
        NewNotification(
            uuid.uuid4(),
            uuid.uuid4(),
            "r@example.org",
            uuid.uuid4(),
            NotificationType.TASK_COMMENTED,
            str(uuid.uuid4()),
            {"title": "T"},
            created_at,
        )
        for _ in range(count)
    ]
    with harness.uow() as uow:
        row_ids = uow.notifications.add(rows)
        uow.commit()
    return row_ids


def test_pending_notifications_nobody_delivered_are_handed_over_again(harness) -> None:
    [stale] = _pending(harness, harness.clock.at - timedelta(hours=1))
    _pending(harness, harness.clock.at)  # fresh: its own job is still coming
    assert harness.retry_stale() == 1
    assert harness.dispatcher.delivered == [[stale]]


def test_sent_notifications_are_not_swept(harness) -> None:
    [row] = _pending(harness, harness.clock.at - timedelta(hours=1))
    with harness.uow() as uow:
        uow.notifications.mark_sent(row, "s", harness.clock.at)
        uow.commit()
    assert harness.store.state.notifications[row].status is NotificationStatus.SENT
    assert harness.retry_stale() == 0


def test_one_chunk_that_cannot_be_handed_over_does_not_stop_the_sweep(harness) -> None:
    _pending(harness, harness.clock.at - timedelta(hours=1), count=150)
    harness.dispatcher.fail_next = 1
    assert harness.retry_stale() == 150
    assert [len(chunk) for chunk in harness.dispatcher.delivered] == [50]
