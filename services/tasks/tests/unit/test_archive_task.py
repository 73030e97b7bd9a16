"""ArchiveTask (DELETE, a soft delete) and RestoreTask: idempotent, announced, recorded."""

from __future__ import annotations

import pytest
from tasks_unit_fakes import Scene, build_scene, create_task, stored

from tasks_service.application.archive_task import ArchiveTask, RestoreTask
from tasks_service.application.comments import AddComment
from tasks_service.domain.errors import PermissionDenied, StaleVersion, TaskArchived, TaskNotFound


@pytest.fixture
def scene(harness) -> Scene:
    return build_scene(harness)


def _archive(harness, actor, task_id, version=None) -> None:
    harness.archive(ArchiveTask(actor_id=actor, task_id=task_id, expected_version=version))


def _restore(harness, actor, task_id, version=None):
    return harness.restore(RestoreTask(actor_id=actor, task_id=task_id, expected_version=version))


def test_archiving_marks_the_task_with_the_time_and_a_new_version(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _archive(harness, ann, task_id)
    task = stored(harness, task_id)
    assert (task.is_archived, task.version) == (True, 2)
    assert task.archived_at is not None
    assert task.archived_at <= harness.clock.at


def test_archiving_is_announced_and_recorded(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _archive(harness, ann, task_id)
    (event_type, data) = harness.store.state.events[-1]
    assert (event_type, data["is_archived"], data["actor_id"]) == (
        "tasks.task.archived.v1",
        True,
        str(ann),
    )
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.changes) == (
        "archived",
        {"is_archived": {"old": False, "new": True}},
    )


def test_archiving_an_archived_task_changes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _archive(harness, ann, task_id)
    first = stored(harness, task_id)
    written = (len(harness.store.state.events), len(harness.store.state.history))
    _archive(harness, ann, task_id)
    again = stored(harness, task_id)
    assert (again.version, again.archived_at) == (first.version, first.archived_at)
    assert (len(harness.store.state.events), len(harness.store.state.history)) == written


def test_restoring_brings_the_task_back_announced_and_recorded(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _archive(harness, ann, task_id)
    document = _restore(harness, ann, task_id)
    task = stored(harness, task_id)
    assert (task.is_archived, task.archived_at, task.version) == (False, None, 3)
    assert (document.fields["is_archived"], document.version) == (False, 3)
    assert harness.store.event_types()[-1] == "tasks.task.restored.v1"
    entry = harness.store.history_of(task_id)[-1]
    assert (entry.action, entry.changes) == (
        "restored",
        {"is_archived": {"old": True, "new": False}},
    )


def test_restoring_a_task_that_is_not_archived_changes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    document = _restore(harness, ann, task_id)
    assert document.version == 1
    assert harness.store.event_types() == ["tasks.task.created.v1"]


def test_a_restored_task_can_be_edited_again(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    _archive(harness, ann, task_id)
    with pytest.raises(TaskArchived):
        harness.comment(AddComment(ann, task_id, "while archived"))
    _restore(harness, ann, task_id)
    assert harness.comment(AddComment(ann, task_id, "back")).comment.body == "back"


def test_a_stale_if_match_archives_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(StaleVersion):
        _archive(harness, ann, task_id, version=2)
    assert stored(harness, task_id).is_archived is False
    _archive(harness, ann, task_id, version=1)
    with pytest.raises(StaleVersion):
        _restore(harness, ann, task_id, version=1)
    assert stored(harness, task_id).is_archived is True


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
def test_who_may_archive_and_restore(harness, scene: Scene, who: str, refusal) -> None:
    actor = scene.people[who]
    if refusal is None:
        _archive(harness, actor, scene.task_id)
        assert stored(harness, scene.task_id).is_archived is True
        _restore(harness, actor, scene.task_id)
        assert stored(harness, scene.task_id).is_archived is False
    else:
        with pytest.raises(refusal):
            _archive(harness, actor, scene.task_id)
        assert stored(harness, scene.task_id).is_archived is False
        _archive(harness, scene.people["creator"], scene.task_id)
        with pytest.raises(refusal):
            _restore(harness, actor, scene.task_id)
        assert stored(harness, scene.task_id).is_archived is True
