"""AssignTask and UnassignTask: who is added (once), the limit, events, history, rights."""

from __future__ import annotations

import uuid

import pytest
from tasks_unit_fakes import Scene, build_scene, create_task, stored

from tasks_service.application.archive_task import ArchiveTask
from tasks_service.application.assign_task import AssignTask, UnassignTask
from tasks_service.domain.errors import (
    NotAssigned,
    NotFound,
    PermissionDenied,
    StaleVersion,
    TaskArchived,
    TaskNotFound,
    ValidationFailed,
)
from tasks_service.domain.model import MAX_ASSIGNEES


@pytest.fixture
def scene(harness) -> Scene:
    return build_scene(harness)


def _assign(harness, actor, task_id, *users, version=None):
    return harness.assign(
        AssignTask(actor_id=actor, task_id=task_id, user_ids=users, expected_version=version)
    )


def test_assigning_adds_the_user_with_who_and_when(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    document = _assign(harness, ann, task_id, bob)
    [assignment] = stored(harness, task_id).assignments
    assert (assignment.user_id, assignment.assigned_by) == (bob, ann)
    assert document.assignee_ids == [bob]
    assert document.version == 2


def test_assigning_announces_the_new_assignees_and_records_them(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann)
    _assign(harness, ann, task_id, bob, cid)
    (event_type, data) = harness.store.state.events[-1]
    assert (event_type, data["user_ids"], data["assignee_ids"]) == (
        "tasks.task.assigned.v1",
        [str(bob), str(cid)],
        [str(bob), str(cid)],
    )
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.actor_id) == ("assigned", ann)
    assert entry.changes == {"assignee_ids": {"old": [], "new": [str(bob), str(cid)]}}


def test_someone_already_assigned_is_added_only_once(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob])
    _assign(harness, ann, task_id, bob, cid, cid)
    assert stored(harness, task_id).assignee_ids == [bob, cid]
    assert harness.store.state.events[-1][1]["user_ids"] == [str(cid)]


def test_assigning_only_people_already_assigned_changes_nothing(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, assignees=[bob])
    written = len(harness.store.state.events)
    document = _assign(harness, ann, task_id, bob)
    assert document.version == 1
    assert len(harness.store.state.events) == written


def test_a_task_holds_up_to_the_maximum_of_assignees_and_no_more(harness) -> None:
    ann = harness.store.add_user()
    people = [harness.store.add_user() for _ in range(MAX_ASSIGNEES + 1)]
    task_id = create_task(harness, ann, assignees=people[:10])
    _assign(harness, ann, task_id, *people[10:MAX_ASSIGNEES])
    assert len(stored(harness, task_id).assignments) == MAX_ASSIGNEES
    with pytest.raises(ValidationFailed) as caught:
        _assign(harness, ann, task_id, people[-1])
    assert list(caught.value.errors) == ["user_ids"]
    assert len(stored(harness, task_id).assignments) == MAX_ASSIGNEES


@pytest.mark.parametrize("who", ["unknown", "deactivated"])
def test_only_active_users_are_assigned_and_a_refusal_writes_nothing(harness, who) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    wrong = uuid.uuid4() if who == "unknown" else harness.store.add_user(active=False)
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        _assign(harness, ann, task_id, bob, wrong)
    assert caught.value.errors == {"user_ids": [f"No active user has these ids: {wrong}."]}
    assert stored(harness, task_id).assignee_ids == []


def test_an_archived_task_gets_no_assignees(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    harness.archive(ArchiveTask(actor_id=ann, task_id=task_id))
    with pytest.raises(TaskArchived):
        _assign(harness, ann, task_id, bob)


def test_a_stale_if_match_assigns_nobody(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(StaleVersion):
        _assign(harness, ann, task_id, bob, version=5)
    assert _assign(harness, ann, task_id, bob, version=1).version == 2


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("creator", None),
        ("assignee", PermissionDenied),
        ("teammate", PermissionDenied),
        ("manager", None),
        ("admin", None),
        ("stranger", TaskNotFound),
    ],
)
def test_who_may_assign(harness, scene: Scene, who: str, refusal) -> None:
    newcomer = harness.store.add_user()
    if refusal is None:
        _assign(harness, scene.people[who], scene.task_id, newcomer)
        assert newcomer in stored(harness, scene.task_id).assignee_ids
    else:
        with pytest.raises(refusal):
            _assign(harness, scene.people[who], scene.task_id, newcomer)
        assert newcomer not in stored(harness, scene.task_id).assignee_ids


# Unassign


def _unassign(harness, actor, task_id, user_id, version=None):
    return harness.unassign(
        UnassignTask(actor_id=actor, task_id=task_id, user_id=user_id, expected_version=version)
    )


def test_unassigning_removes_the_user_and_returns_the_new_version(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob, cid])
    assert _unassign(harness, ann, task_id, bob) == 2
    task = stored(harness, task_id)
    assert (task.assignee_ids, task.version) == ([cid], 2)


def test_unassigning_announces_and_records_who_was_removed(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob, cid])
    _unassign(harness, ann, task_id, bob)
    (event_type, data) = harness.store.state.events[-1]
    assert (event_type, data["user_ids"], data["assignee_ids"]) == (
        "tasks.task.unassigned.v1",
        [str(bob)],
        [str(cid)],
    )
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.changes) == (
        "unassigned",
        {"assignee_ids": {"old": [str(bob)], "new": []}},
    )


def test_unassigning_someone_not_assigned_is_not_found_and_writes_nothing(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(NotAssigned) as caught:
        _unassign(harness, ann, task_id, bob)
    assert isinstance(caught.value, NotFound)
    assert stored(harness, task_id).version == 1
    assert len(harness.store.state.events) == 1


def test_a_stale_if_match_unassigns_nobody(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann, assignees=[bob])
    with pytest.raises(StaleVersion):
        _unassign(harness, ann, task_id, bob, version=2)
    assert stored(harness, task_id).assignee_ids == [bob]


def test_an_assignee_may_not_unassign_even_themselves(harness, scene: Scene) -> None:
    assignee = scene.people["assignee"]
    with pytest.raises(PermissionDenied):
        _unassign(harness, assignee, scene.task_id, assignee)
    assert stored(harness, scene.task_id).assignee_ids == [assignee]


@pytest.mark.parametrize("who", ["creator", "manager", "admin"])
def test_the_creator_managers_and_admins_unassign(harness, scene: Scene, who: str) -> None:
    _unassign(harness, scene.people[who], scene.task_id, scene.people["assignee"])
    assert stored(harness, scene.task_id).assignee_ids == []


def test_an_unassigned_person_no_longer_sees_a_task_outside_their_teams(
    harness, scene: Scene
) -> None:
    assignee = scene.people["assignee"]
    _unassign(harness, scene.people["creator"], scene.task_id, assignee)
    with pytest.raises(TaskNotFound):
        harness.queries.get(assignee, scene.task_id)
