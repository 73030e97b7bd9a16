"""The translator (application.recording): each domain event becomes its history row and its
integration events, whose summary carries every field declared with `summary=True`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from tasks_unit_fakes import CONTRACTS, create_task

from tasks_service.application import integration as ie
from tasks_service.application.recording import record_changes, translate
from tasks_service.domain import events as de
from tasks_service.domain.events import Change, jsonable
from tasks_service.domain.model import FIELDS, Priority, Status, Task, TaskFields

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANN, BOB = uuid.UUID(int=1), uuid.UUID(int=2)
COMMENT = uuid.UUID(int=3)
OTHER = uuid.UUID(int=4)
SUMMARY_FIELDS = [spec.name for spec in FIELDS if spec.summary]


def _task() -> Task:
    task = Task.create(
        task_id=uuid.UUID(int=10),
        fields=TaskFields(
            title="Write docs",
            priority="high",
            due_date=NOW + timedelta(days=2),
            team_id=uuid.UUID(int=20),
            tags=["docs"],
        ),
        created_by=ANN,
        at=NOW,
        assignee_ids=[BOB],
    )
    task.pull_events()
    return task


def _event(kind: type[de.TaskEvent], **data) -> de.TaskEvent:
    return kind(task_id=uuid.UUID(int=10), actor_id=ANN, at=NOW, **data)


CASES = {
    "created": (
        _event(de.TaskCreated, changes=(Change("title", None, "Write docs"),)),
        "created",
        [ie.TASK_CREATED],
    ),
    "created with assignees": (
        _event(de.TaskCreated, changes=(), assignee_ids=(BOB,)),
        "created",
        [ie.TASK_CREATED, ie.TASK_ASSIGNED],
    ),
    "edited": (
        _event(de.TaskEdited, changes=(Change("title", "Old", "Write docs"),)),
        "updated",
        [ie.TASK_UPDATED],
    ),
    "status changed": (
        _event(de.StatusChanged, old=Status.TODO, new=Status.IN_PROGRESS),
        "status_changed",
        [ie.TASK_STATUS_CHANGED],
    ),
    "assignees added": (
        _event(de.AssigneesAdded, user_ids=(BOB,)),
        "assigned",
        [ie.TASK_ASSIGNED],
    ),
    "assignees removed": (
        _event(de.AssigneesRemoved, user_ids=(BOB,)),
        "unassigned",
        [ie.TASK_UNASSIGNED],
    ),
    "archived": (_event(de.TaskArchived), "archived", [ie.TASK_ARCHIVED]),
    "restored": (_event(de.TaskRestored), "restored", [ie.TASK_RESTORED]),
    "overdue": (_event(de.TaskBecameOverdue), "overdue", [ie.TASK_OVERDUE]),
    "due soon": (_event(de.TaskDueSoon, due_date=NOW), None, [ie.TASK_DUE_SOON]),
    "occurrence scheduled (history only)": (
        _event(de.OccurrenceScheduled, next_task_id=OTHER, due_date=NOW),
        "recurred",
        [],
    ),
    "sla at risk": (
        _event(de.SlaAtRisk, policy_id=OTHER, response_due=NOW, resolution_due=NOW),
        "sla_at_risk",
        [ie.TASK_SLA_AT_RISK],
    ),
    "sla breached (priority raised)": (
        _event(
            de.SlaBreached,
            policy_id=OTHER,
            response_due=NOW,
            resolution_due=NOW,
            old_priority=Priority.MEDIUM,
            escalated_to=(BOB,),
        ),
        "sla_breached",
        [ie.TASK_SLA_BREACHED, ie.TASK_UPDATED],
    ),
    "sla breached (priority unchanged: already urgent)": (
        _event(
            de.SlaBreached,
            policy_id=OTHER,
            response_due=NOW,
            resolution_due=NOW,
            old_priority=Priority.HIGH,
            escalated_to=(),
        ),
        "sla_breached",
        [ie.TASK_SLA_BREACHED],
    ),
    "purged": (_event(de.TaskPurged, archived_at=NOW), None, [ie.TASK_DELETED]),
    "republished": (
        _event(de.TaskRepublished, status_history=((NOW, "todo"),)),
        None,
        [ie.TASK_SNAPSHOT],
    ),
    "comment added": (
        _event(de.CommentAdded, comment_id=COMMENT, body="Nice"),
        "commented",
        [ie.TASK_COMMENTED],
    ),
    "comment edited": (
        _event(de.CommentEdited, comment_id=COMMENT, old_body="a", new_body="b"),
        "comment_edited",
        [],
    ),
    "comment deleted": (
        _event(de.CommentDeleted, comment_id=COMMENT),
        "comment_deleted",
        [],
    ),
    "automatic status change": (
        _event(de.StatusChanged, old=Status.TODO, new=Status.DONE, automatic="subtasks closed"),
        "status_changed",
        [ie.TASK_STATUS_CHANGED],
    ),
    "dependency added (blocked task)": (
        _event(de.DependencyAdded, blocked_id=uuid.UUID(int=10), blocking_id=OTHER),
        "dependency_added",
        [ie.TASK_DEPENDENCY_ADDED],
    ),
    "dependency added (blocking task: history only)": (
        _event(de.DependencyAdded, blocked_id=OTHER, blocking_id=uuid.UUID(int=10)),
        "dependency_added",
        [],
    ),
    "dependency removed (blocked task)": (
        _event(de.DependencyRemoved, blocked_id=uuid.UUID(int=10), blocking_id=OTHER),
        "dependency_removed",
        [ie.TASK_DEPENDENCY_REMOVED],
    ),
    "dependency removed (blocking task: history only)": (
        _event(de.DependencyRemoved, blocked_id=OTHER, blocking_id=uuid.UUID(int=10)),
        "dependency_removed",
        [],
    ),
}


def test_an_automatic_status_change_says_so_in_history_and_event() -> None:
    event = CASES["automatic status change"][0]
    entry, messages = translate(_task(), event)
    assert entry is not None
    assert entry.actor_id == ANN
    assert entry.changes["automatic"] == {"old": None, "new": "subtasks closed"}
    assert messages[0][1]["automatic"] is True


def test_a_dependency_names_the_other_task_on_each_side() -> None:
    blocked_side = translate(_task(), CASES["dependency added (blocked task)"][0])
    blocking_side = translate(_task(), CASES["dependency removed (blocking task: history only)"][0])
    assert blocked_side[0] is not None
    assert blocking_side[0] is not None
    assert blocked_side[0].changes == {"blocked_by": {"old": None, "new": str(OTHER)}}
    assert blocked_side[1][0][1]["blocked_by_id"] == str(OTHER)
    assert blocking_side[0].changes == {"blocks": {"old": str(OTHER), "new": None}}


@pytest.mark.parametrize(("event", "action", "types"), CASES.values(), ids=list(CASES))
def test_each_event_becomes_its_history_action_and_integration_events(
    event: de.TaskEvent, action: str | None, types: list[str]
) -> None:
    entry, messages = translate(_task(), event)
    assert [event_type for event_type, _ in messages] == types
    if action is None:
        assert entry is None
    else:
        assert entry is not None
        assert (entry.action, entry.task_id, entry.actor_id, entry.at) == (
            action,
            event.task_id,
            event.actor_id,
            event.at,
        )


@pytest.mark.parametrize(("event", "action", "types"), CASES.values(), ids=list(CASES))
def test_each_integration_event_meets_its_contract_and_carries_the_summary(
    event: de.TaskEvent, action: str | None, types: list[str]
) -> None:
    task = _task()
    for event_type, data in translate(task, event)[1]:
        CONTRACTS.validate(event_type, data)
        for name in SUMMARY_FIELDS:
            assert data[name] == jsonable(getattr(task, name)), name
        assert (data["task_id"], data["actor_id"], data["occurred_at"]) == (
            str(task.id),
            str(ANN),
            NOW.isoformat(),
        )


def test_every_kind_of_domain_event_has_a_translation() -> None:
    translated = {type(event).__name__ for event, _, _ in CASES.values()}
    declared = {
        kind.__name__ for kind in de.TaskEvent.__subclasses__() if kind.__module__ == de.__name__
    }
    assert declared == translated


def test_an_event_without_a_translation_is_an_error() -> None:
    class Unheard(de.TaskEvent):
        pass

    with pytest.raises(TypeError, match="Unheard"):
        translate(_task(), Unheard(task_id=uuid.uuid4(), actor_id=None, at=NOW))


@pytest.mark.parametrize("event_type", ie.EMITTED_TYPES)
def test_every_contract_declares_every_summary_field(event_type: str) -> None:
    schema = CONTRACTS.schema(event_type)
    assert set(SUMMARY_FIELDS) <= set(schema["properties"])
    # Fields added within a version are optional; the original summary stays required.
    assert set(SUMMARY_FIELDS) - {"story_points"} <= set(schema["required"])
    assert {"task_id", "created_by", "assignee_ids", "version", "actor_id"} <= set(
        schema["required"]
    )


def test_a_system_event_has_no_actor() -> None:
    task = _task()
    event = de.TaskBecameOverdue(task_id=task.id, actor_id=None, at=NOW)
    entry, [(_, data)] = translate(task, event)
    assert entry is not None
    assert entry.actor_id is None
    assert data["actor_id"] is None


def test_the_status_change_names_both_statuses() -> None:
    event = _event(de.StatusChanged, old=Status.DONE, new=Status.IN_PROGRESS)
    entry, [(_, data)] = translate(_task(), event)
    assert (data["old_status"], data["new_status"]) == ("done", "in_progress")
    assert entry is not None
    assert entry.changes == {"status": {"old": "done", "new": "in_progress"}}


def test_the_comment_excerpt_is_at_most_500_characters() -> None:
    body = "é" * 501
    event = _event(de.CommentAdded, comment_id=COMMENT, body=body)
    _, [(_, data)] = translate(_task(), event)
    assert data["comment_excerpt"] == body[:500]


def test_an_edited_comment_keeps_both_texts_in_history() -> None:
    event = _event(de.CommentEdited, comment_id=COMMENT, old_body="Frist", new_body="First")
    entry, _ = translate(_task(), event)
    assert entry is not None
    assert entry.changes["body"] == {"old": "Frist", "new": "First"}


def test_a_purge_announces_when_the_task_was_archived_even_if_never() -> None:
    _, [(_, data)] = translate(_task(), _event(de.TaskPurged, archived_at=None))
    assert data["archived_at"] is None


def test_every_event_of_a_unit_of_work_carries_the_task_as_it_was_left(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    with harness.uow() as uow:
        task = uow.tasks.get_for_update(task_id)
        assert task is not None
        task.update(TaskFields(title="Renamed"), ("title",), by=ann, at=NOW)
        task.assign([bob], by=ann, at=NOW)
        uow.commit()
    updated, assigned = harness.store.state.events[1:]
    assert updated[1]["assignee_ids"] == assigned[1]["assignee_ids"] == [str(bob)]
    assert updated[1]["title"] == "Renamed"
    assert updated[1]["version"] == assigned[1]["version"] == 2


def test_a_task_that_recorded_nothing_is_not_written(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with harness.uow() as uow:
        task = uow.tasks.get_for_update(task_id)
        assert task is not None
        task.title = "changed without an event"
        record_changes(uow)
        uow.commit()
    assert harness.store.state.tasks[task_id].title == "Task"
    assert len(harness.store.state.history) == 1


def test_recording_twice_writes_each_event_once(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with harness.uow() as uow:
        task = uow.tasks.get_for_update(task_id)
        assert task is not None
        task.archive(by=ann, at=NOW)
        record_changes(uow)
        record_changes(uow)
        uow.commit()
    assert harness.store.event_types() == ["tasks.task.created.v1", "tasks.task.archived.v1"]
