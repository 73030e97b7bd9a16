"""PlanTaskNotifications fed with the events the task use cases really emit: who is told
about what, once per occasion, and only after the commit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tasks_unit_fakes import create_task, patch

from tasks_service.application.archive_task import ArchiveTask
from tasks_service.application.comments import AddComment
from tasks_service.application.notifications.planning import PlanTaskNotifications
from tasks_service.domain.notifications import NotificationType


def _plan(harness, event_type: str, data: dict, event_id: uuid.UUID | None = None):
    planner = PlanTaskNotifications(harness.clock, harness.dispatcher)
    with harness.uow() as uow:
        created = planner(event_type, event_id or uuid.uuid4(), data, uow)
        uow.commit()
    return [harness.store.state.notifications[i] for i in created]


def _last(harness, event_type: str) -> dict:
    return [data for kind, data in harness.store.state.events if kind == event_type][-1]


def test_a_new_task_tells_its_assignees_but_not_its_creator(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    create_task(harness, ann, assignees=[bob, cid])
    rows = _plan(harness, "tasks.task.created.v1", _last(harness, "tasks.task.created.v1"))
    assert {r.recipient_id for r in rows} == {bob, cid}
    assert {r.kind for r in rows} == {NotificationType.TASK_CREATED}


def test_assignment_at_creation_is_not_told_twice(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    create_task(harness, ann, assignees=[bob])
    assert _plan(harness, "tasks.task.assigned.v1", _last(harness, "tasks.task.assigned.v1")) == []


def test_a_comment_tells_the_creator_and_assignees_but_not_its_author(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob, cid])
    harness.comment(AddComment(bob, task_id, "Shipped"))
    rows = _plan(harness, "tasks.task.commented.v1", _last(harness, "tasks.task.commented.v1"))
    assert {r.recipient_id for r in rows} == {ann, cid}
    [context] = {(r.context["comment_excerpt"], r.context["actor_name"]) for r in rows}
    assert context == ("Shipped", harness.store.state.users[bob].display_name)


def test_a_status_change_tells_everyone_concerned_but_the_mover(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, assignees=[bob])
    patch(harness, ann, task_id, status="in_progress")
    data = _last(harness, "tasks.task.status_changed.v1")
    [row] = _plan(harness, "tasks.task.status_changed.v1", data)
    assert (row.recipient_id, row.context["old_status"], row.context["new_status"]) == (
        bob,
        "todo",
        "in_progress",
    )


@pytest.mark.parametrize("event_type", ["tasks.task.updated.v1", "tasks.task.archived.v1"])
def test_edits_and_archiving_tell_nobody(harness, event_type: str) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, assignees=[bob])
    patch(harness, ann, task_id, title="Renamed")
    harness.archive(ArchiveTask(actor_id=ann, task_id=task_id))
    assert _plan(harness, event_type, _last(harness, event_type)) == []


def test_people_who_turned_a_kind_off_or_left_are_not_told(harness) -> None:
    ann = harness.store.add_user()
    muted = harness.store.add_user(task_created=False)
    gone = harness.store.add_user()
    keen = harness.store.add_user()
    create_task(harness, ann, assignees=[muted, gone, keen])
    harness.store.deactivate(gone)
    rows = _plan(harness, "tasks.task.created.v1", _last(harness, "tasks.task.created.v1"))
    assert [r.recipient_id for r in rows] == [keen]


def test_the_same_event_twice_records_nothing_new_and_dispatches_once(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    create_task(harness, ann, assignees=[bob])
    data, event_id = _last(harness, "tasks.task.created.v1"), uuid.uuid4()
    assert len(_plan(harness, "tasks.task.created.v1", data, event_id)) == 1
    assert _plan(harness, "tasks.task.created.v1", data, event_id) == []
    assert len(harness.dispatcher.sent) == 1


def test_overdue_is_told_once_per_due_date(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(
        harness, ann, assignees=[bob], due_date=harness.clock.at - timedelta(days=1)
    )
    harness.check_overdue()
    first = _last(harness, "tasks.task.overdue.v1")
    [row] = _plan(harness, "tasks.task.overdue.v1", first)
    assert row.occasion == f"{task_id}:due:{first['due_date']}"
    assert _plan(harness, "tasks.task.overdue.v1", first) == []  # another event id, same date
    patch(harness, ann, task_id, due_date=harness.clock.at + timedelta(hours=1))
    harness.check_overdue(now=harness.clock.at + timedelta(hours=2))
    assert len(_plan(harness, "tasks.task.overdue.v1", _last(harness, "tasks.task.overdue.v1")))


def test_nothing_is_dispatched_when_the_plan_is_rolled_back(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    create_task(harness, ann, assignees=[bob])
    planner = PlanTaskNotifications(harness.clock, harness.dispatcher)
    with harness.uow() as uow:
        planner("tasks.task.created.v1", uuid.uuid4(), _last(harness, "tasks.task.created.v1"), uow)
    assert harness.dispatcher.sent == []
    assert harness.store.state.notifications == {}
