"""The write use cases against fakes at the ports: events, history, permissions, no partial
writes, idempotency."""

from __future__ import annotations

import uuid

import pytest

from tasks_service.application.assign_task import AssignTask
from tasks_service.application.comments import AddComment, EditComment
from tasks_service.application.create_task import CreateTask
from tasks_service.application.update_task import UpdateTask
from tasks_service.domain.errors import (
    IdempotencyKeyReused,
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    TaskNotFound,
    ValidationFailed,
)
from tasks_service.domain.model import TaskFields


def fields_of(values):
    return TaskFields(**values)


def edits(values):
    """What PATCH sends: these fields, and only these, are set."""
    return {"fields": TaskFields(**values), "given": tuple(values)}


def present(document):
    return {"id": str(document.id), "version": document.version}


def _create(harness, actor, **values):
    command = CreateTask(actor_id=actor, fields=fields_of({"title": "Task"} | values))
    created = harness.create(command, present)
    return uuid.UUID(created.response.body["id"])


def test_create_writes_task_history_and_events_in_one_commit(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = _create(harness, ann)
    state = harness.store.state
    assert state.tasks[task_id].created_by == ann
    assert [h.action for h in state.history] == ["created"]
    assert [e[0] for e in state.events] == ["tasks.task.created.v1"]
    command = CreateTask(actor_id=ann, fields=fields_of({"title": "Two"}), assignee_ids=(bob,))
    harness.create(command, present)
    assert [e[0] for e in harness.store.state.events][-2:] == [
        "tasks.task.created.v1",
        "tasks.task.assigned.v1",
    ]


def test_an_unknown_or_inactive_assignee_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    gone = harness.store.add_user(active=False)
    for assignee in (uuid.uuid4(), gone):
        with pytest.raises(ValidationFailed) as caught:
            harness.create(
                CreateTask(
                    actor_id=ann, fields=fields_of({"title": "x"}), assignee_ids=(assignee,)
                ),
                present,
            )
        assert "assignee_ids" in caught.value.errors
    assert harness.store.state.tasks == {}
    assert harness.store.state.events == []


def test_idempotency_key_replays_and_refuses_another_body(harness) -> None:
    ann = harness.store.add_user()
    command = CreateTask(actor_id=ann, fields=fields_of({"title": "Once"}), idempotency_key="k1")
    first = harness.create(command, present)
    again = harness.create(command, present)
    assert (again.replayed, again.response) == (True, first.response)
    assert len(harness.store.state.tasks) == 1
    with pytest.raises(IdempotencyKeyReused):
        harness.create(
            CreateTask(actor_id=ann, fields=fields_of({"title": "Other"}), idempotency_key="k1"),
            present,
        )


def test_an_update_splits_its_events_and_bumps_the_version_once(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = _create(harness, ann)
    document = harness.update(
        UpdateTask(
            actor_id=ann,
            task_id=task_id,
            **edits({"title": "New", "status": "in_progress"}),
            assignee_ids=(bob,),
        )
    )
    assert document.version == 2
    types = [e[0] for e in harness.store.state.events[1:]]
    assert types == [
        "tasks.task.updated.v1",
        "tasks.task.status_changed.v1",
        "tasks.task.assigned.v1",
    ]
    assert {e[1]["version"] for e in harness.store.state.events[1:]} == {2}
    actions = [h.action for h in harness.store.state.history]
    assert actions == ["created", "updated", "status_changed", "assigned"]


def test_a_no_op_update_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = _create(harness, ann)
    document = harness.update(UpdateTask(actor_id=ann, task_id=task_id, **edits({"title": "Task"})))
    assert document.version == 1
    assert len(harness.store.state.events) == 1


def test_a_refused_update_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = _create(harness, ann, status="done")
    with pytest.raises(InvalidTransition):
        harness.update(
            UpdateTask(actor_id=ann, task_id=task_id, **edits({"title": "x", "status": "todo"}))
        )
    with pytest.raises(StaleVersion):
        harness.update(
            UpdateTask(actor_id=ann, task_id=task_id, **edits({"title": "x"}), expected_version=7)
        )
    assert harness.store.state.tasks[task_id].title == "Task"
    assert len(harness.store.state.history) == 1


def test_rights_of_assignees_teammates_strangers_and_managers(harness) -> None:
    team = uuid.uuid4()
    ann = harness.store.add_user("member", team)
    bob, stranger = harness.store.add_user(), harness.store.add_user()
    mate = harness.store.add_user("member", team)
    boss = harness.store.add_user("manager")
    task_id = _create(harness, ann, team_id=team)
    harness.assign(AssignTask(actor_id=ann, task_id=task_id, user_ids=(bob,)))
    harness.update(UpdateTask(actor_id=bob, task_id=task_id, **edits({"title": "By bob"})))
    with pytest.raises(PermissionDenied):
        harness.update(UpdateTask(actor_id=bob, task_id=task_id, **edits({}), assignee_ids=()))
    with pytest.raises(PermissionDenied):
        harness.update(UpdateTask(actor_id=mate, task_id=task_id, **edits({"title": "By mate"})))
    with pytest.raises(TaskNotFound):
        harness.update(UpdateTask(actor_id=stranger, task_id=task_id, **edits({"title": "x"})))
    with pytest.raises(TaskNotFound):
        harness.comment(AddComment(stranger, task_id, "hi"))
    harness.assign(AssignTask(actor_id=boss, task_id=task_id, user_ids=(mate,)))
    harness.comment(AddComment(mate, task_id, "Teammates comment"))


def test_a_team_must_exist_and_members_may_only_use_their_own(harness) -> None:
    team = uuid.uuid4()
    ann = harness.store.add_user()
    other = harness.store.add_user("member", team)
    with pytest.raises(ValidationFailed):
        _create(harness, ann, team_id=uuid.uuid4())
    with pytest.raises(PermissionDenied):
        _create(harness, ann, team_id=team)
    assert _create(harness, other, team_id=team)


def test_reparenting_into_its_own_subtree_is_refused(harness) -> None:
    ann = harness.store.add_user()
    root = _create(harness, ann)
    child = _create(harness, ann, parent_task_id=root)
    grandchild = _create(harness, ann, parent_task_id=child)
    with pytest.raises(ValidationFailed):
        harness.update(
            UpdateTask(actor_id=ann, task_id=root, **edits({"parent_task_id": grandchild}))
        )
    harness.update(UpdateTask(actor_id=ann, task_id=grandchild, **edits({"parent_task_id": root})))
    assert harness.store.state.tasks[grandchild].parent_task_id == root


def test_only_authors_edit_comments(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = _create(harness, ann)
    harness.assign(AssignTask(actor_id=ann, task_id=task_id, user_ids=(bob,)))
    comment = harness.comment(AddComment(bob, task_id, "Mine")).comment
    with pytest.raises(PermissionDenied):
        harness.edit_comment(EditComment(ann, task_id, comment.id, "Not yours"))
    edited = harness.edit_comment(EditComment(bob, task_id, comment.id, "Still mine"))
    assert (edited.comment.body, edited.comment.version) == ("Still mine", 2)
    assert harness.store.state.history[-1].action == "comment_edited"
