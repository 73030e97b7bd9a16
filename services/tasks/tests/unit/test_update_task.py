"""UpdateTask: PATCH sets the fields given, PUT every field; one version per request; events
split into updated and status_changed; If-Match, archive and permission rules."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tasks_unit_fakes import Scene, build_scene, create_task, patch, stored

from tasks_service.application.archive_task import ArchiveTask
from tasks_service.application.ports import ReplicaTeam
from tasks_service.application.update_task import UpdateTask
from tasks_service.domain.errors import (
    InvalidTransition,
    PermissionDenied,
    StaleVersion,
    TaskArchived,
    TaskNotFound,
    ValidationFailed,
)
from tasks_service.domain.model import EDITABLE, FIELDS, MAX_ASSIGNEES, TaskFields


def put(harness, actor, task_id, assignees=None, version=None, **values):
    """PUT /tasks/{id}: every field set, those not sent to their defaults."""
    return harness.update(
        UpdateTask(
            actor_id=actor,
            task_id=task_id,
            fields=TaskFields(**values),
            given=EDITABLE,
            assignee_ids=None if assignees is None else tuple(assignees),
            expected_version=version,
        )
    )


# PATCH and PUT


def test_a_patch_sets_the_given_fields_and_leaves_the_others(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, description="Keep me", priority="high", tags=["x"])
    patch(harness, ann, task_id, title="Renamed")
    task = stored(harness, task_id)
    assert (task.title, task.description, task.priority.value, task.tags) == (
        "Renamed",
        "Keep me",
        "high",
        ["x"],
    )


def test_a_put_resets_every_field_not_sent_to_its_default(harness) -> None:
    ann = harness.store.add_user()
    parent = create_task(harness, ann)
    task_id = create_task(
        harness,
        ann,
        description="Long",
        priority="urgent",
        due_date=harness.clock.at + timedelta(days=1),
        estimated_hours=3,
        actual_hours=1,
        parent_task_id=parent,
        metadata={"k": 1},
        tags=["x"],
    )
    put(harness, ann, task_id, title="Fresh")
    task = stored(harness, task_id)
    assert task.title == "Fresh"
    for spec in FIELDS:
        if spec.name != "title":
            assert getattr(task, spec.name) == spec.default_value(), spec.name


def test_a_put_without_the_required_title_is_refused(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, title="Keep")
    with pytest.raises(ValidationFailed) as caught:
        put(harness, ann, task_id, description="no title")
    assert "title" in caught.value.errors
    assert stored(harness, task_id).title == "Keep"


def test_a_put_without_assignees_keeps_them_and_with_them_replaces_them(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob])
    put(harness, ann, task_id, title="Same people")
    assert stored(harness, task_id).assignee_ids == [bob]
    put(harness, ann, task_id, title="Same people", assignees=[cid])
    assert stored(harness, task_id).assignee_ids == [cid]
    unassigned, assigned = harness.store.state.events[-2:]
    assert (unassigned[0], unassigned[1]["user_ids"]) == ("tasks.task.unassigned.v1", [str(bob)])
    assert (assigned[0], assigned[1]["user_ids"]) == ("tasks.task.assigned.v1", [str(cid)])
    assert unassigned[1]["version"] == assigned[1]["version"] == 3


def test_a_put_that_repeats_the_stored_values_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, title="Same", priority="low")
    document = put(harness, ann, task_id, title="Same", priority="low")
    assert document.version == 1
    assert harness.store.event_types() == ["tasks.task.created.v1"]
    assert len(harness.store.history_of(task_id)) == 1


def test_a_patch_of_nothing_real_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, tags=["Bug"])
    document = patch(harness, ann, task_id, title="Task", tags=["bug"])
    assert document.version == 1
    assert len(harness.store.state.events) == 1


# Events, history, versions


def test_field_edits_are_one_updated_event_with_every_change(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, title="Old", priority="low")
    patch(harness, ann, task_id, title="New", priority="high", description="")
    [(event_type, data)] = harness.store.state.events[1:]
    assert event_type == "tasks.task.updated.v1"
    assert data["changes"] == {
        "title": {"old": "Old", "new": "New"},
        "priority": {"old": "low", "new": "high"},
    }
    assert (data["title"], data["priority"], data["version"]) == ("New", "high", 2)
    [_, entry] = harness.store.history_of(task_id)
    assert (entry.action, entry.changes) == ("updated", data["changes"])


def test_a_status_move_alone_is_only_a_status_changed_event(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    patch(harness, ann, task_id, status="in_progress")
    [(event_type, data)] = harness.store.state.events[1:]
    assert event_type == "tasks.task.status_changed.v1"
    assert (data["old_status"], data["new_status"], data["status"]) == (
        "todo",
        "in_progress",
        "in_progress",
    )
    [_, entry] = harness.store.history_of(task_id)
    assert (entry.action, entry.changes) == (
        "status_changed",
        {"status": {"old": "todo", "new": "in_progress"}},
    )


def test_one_request_is_one_new_version_whatever_it_changes(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    task_id = create_task(harness, ann)
    document = harness.update(
        UpdateTask(
            actor_id=ann,
            task_id=task_id,
            fields=TaskFields(title="New", status="blocked", priority="urgent"),
            given=("title", "status", "priority"),
            assignee_ids=(bob,),
        )
    )
    assert document.version == stored(harness, task_id).version == 2
    assert {data["version"] for _, data in harness.store.state.events[1:]} == {2}
    assert len(harness.store.state.events[1:]) == 3


def test_each_request_adds_exactly_one_version(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    versions = [patch(harness, ann, task_id, title=f"v{n}").version for n in range(3)]
    assert versions == [2, 3, 4]


def test_closing_an_overdue_task_clears_the_flag_in_the_same_version(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, due_date=harness.clock.at - timedelta(hours=1))
    harness.check_overdue()
    assert stored(harness, task_id).is_overdue is True
    document = patch(harness, ann, task_id, status="done")
    assert document.version == 3
    updated, status_changed = harness.store.state.events[-2:]
    assert updated[0] == "tasks.task.updated.v1"
    assert updated[1]["changes"] == {"is_overdue": {"old": True, "new": False}}
    assert (status_changed[1]["new_status"], status_changed[1]["is_overdue"]) == ("done", False)


def test_a_move_the_workflow_forbids_is_refused_and_nothing_is_written(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, status="done")
    with pytest.raises(InvalidTransition) as caught:
        patch(harness, ann, task_id, title="Reopen to todo", status="todo")
    assert caught.value.allowed == ["in_progress"]
    assert stored(harness, task_id).title == "Task"
    assert len(harness.store.state.events) == 1


# If-Match, archive


def test_a_stale_if_match_is_refused_with_the_current_version(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    patch(harness, ann, task_id, title="v2")
    with pytest.raises(StaleVersion) as caught:
        put(harness, ann, task_id, title="late", version=1)
    assert caught.value.current_version == 2
    assert stored(harness, task_id).title == "v2"


def test_a_current_if_match_is_accepted(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    assert put(harness, ann, task_id, title="on time", version=1).version == 2


def test_an_archived_task_cannot_be_edited(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    harness.archive(ArchiveTask(actor_id=ann, task_id=task_id))
    with pytest.raises(TaskArchived):
        patch(harness, ann, task_id, title="too late")
    assert stored(harness, task_id).title == "Task"


# References


def test_moving_a_task_to_an_unknown_team_is_refused(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        patch(harness, ann, task_id, team_id=uuid.uuid4())
    assert list(caught.value.errors) == ["team_id"]
    assert stored(harness, task_id).team_id is None


def test_a_member_moves_a_task_only_into_their_own_teams(harness) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    ann = harness.store.add_user("member", mine)
    harness.store.add_user("member", theirs)
    task_id = create_task(harness, ann)
    with pytest.raises(PermissionDenied):
        patch(harness, ann, task_id, team_id=theirs)
    patch(harness, ann, task_id, team_id=mine)
    assert stored(harness, task_id).team_id == mine


def test_a_team_the_task_already_has_is_not_checked_again(harness) -> None:
    team = uuid.uuid4()
    ann = harness.store.add_user("member", team)
    boss = harness.store.add_user("manager")
    task_id = create_task(harness, boss, team_id=team, assignees=[ann])
    with harness.uow() as uow:  # Ann leaves the team
        uow.replica.upsert_team(ReplicaTeam(team, "Team", version=2, member_ids=()))
        uow.commit()
    patch(harness, ann, task_id, title="Still mine to edit")
    assert stored(harness, task_id).title == "Still mine to edit"


def test_a_task_cannot_become_its_own_parent(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        patch(harness, ann, task_id, parent_task_id=task_id)
    assert list(caught.value.errors) == ["parent_task_id"]


def test_a_parent_the_caller_cannot_see_is_refused(harness) -> None:
    ann, stranger = harness.store.add_user(), harness.store.add_user()
    hidden = create_task(harness, stranger)
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed):
        patch(harness, ann, task_id, parent_task_id=hidden)
    assert stored(harness, task_id).parent_task_id is None


# Assignees through PUT and PATCH


def test_replacing_every_assignee_with_as_many_new_ones_is_allowed(harness) -> None:
    ann = harness.store.add_user()
    old = [harness.store.add_user() for _ in range(30)]
    new = [harness.store.add_user() for _ in range(30)]
    task_id = create_task(harness, ann, assignees=old)
    document = put(harness, ann, task_id, title="Task", assignees=new)
    assert (stored(harness, task_id).assignee_ids, document.version) == (new, 2)


def test_more_than_the_maximum_of_assignees_is_refused_on_replace(harness) -> None:
    ann = harness.store.add_user()
    people = [harness.store.add_user() for _ in range(MAX_ASSIGNEES + 1)]
    task_id = create_task(harness, ann, assignees=people[:2])
    with pytest.raises(ValidationFailed) as caught:
        put(harness, ann, task_id, title="Task", assignees=people)
    assert list(caught.value.errors) == ["assignee_ids"]
    assert stored(harness, task_id).assignee_ids == people[:2]


def test_an_empty_assignee_list_unassigns_everyone(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob, cid])
    put(harness, ann, task_id, title="Task", assignees=[])
    assert stored(harness, task_id).assignee_ids == []
    (event_type, data) = harness.store.state.events[-1]
    assert (event_type, data["user_ids"]) == ("tasks.task.unassigned.v1", [str(bob), str(cid)])


def test_an_unknown_assignee_on_update_writes_none_of_the_edits(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        put(harness, ann, task_id, title="Renamed", assignees=[uuid.uuid4()])
    assert list(caught.value.errors) == ["assignee_ids"]
    assert stored(harness, task_id).title == "Task"


# Who may


@pytest.fixture
def scene(harness) -> Scene:
    return build_scene(harness)


@pytest.mark.parametrize(
    ("who", "refusal"),
    [
        ("creator", None),
        ("assignee", None),
        ("teammate", PermissionDenied),
        ("manager", None),
        ("admin", None),
        ("stranger", TaskNotFound),
    ],
)
def test_who_may_edit_a_task(harness, scene: Scene, who: str, refusal) -> None:
    actor = scene.people[who]
    if refusal is None:
        patch(harness, actor, scene.task_id, title=f"By the {who}")
        assert stored(harness, scene.task_id).title == f"By the {who}"
    else:
        with pytest.raises(refusal):
            patch(harness, actor, scene.task_id, title=f"By the {who}")
        assert stored(harness, scene.task_id).title == "Task"


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
def test_who_may_replace_the_assignees_in_an_update(
    harness, scene: Scene, who: str, refusal
) -> None:
    actor, newcomer = scene.people[who], harness.store.add_user()
    command = UpdateTask(
        actor_id=actor,
        task_id=scene.task_id,
        fields=TaskFields(title="Reassigned"),
        given=("title",),
        assignee_ids=(newcomer,),
    )
    if refusal is None:
        harness.update(command)
        assert stored(harness, scene.task_id).assignee_ids == [newcomer]
    else:
        with pytest.raises(refusal):
            harness.update(command)
        task = stored(harness, scene.task_id)
        assert (task.title, task.assignee_ids) == ("Task", [scene.people["assignee"]])


def test_a_stranger_gets_not_found_even_for_an_archived_task(harness, scene: Scene) -> None:
    harness.archive(ArchiveTask(actor_id=scene.people["creator"], task_id=scene.task_id))
    with pytest.raises(TaskNotFound):
        patch(harness, scene.people["stranger"], scene.task_id, title="x")


def test_an_unknown_task_is_not_found(harness) -> None:
    ann = harness.store.add_user("admin")
    with pytest.raises(TaskNotFound):
        patch(harness, ann, uuid.uuid4(), title="x")
