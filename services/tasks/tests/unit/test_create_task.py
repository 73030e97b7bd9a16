"""CreateTask: defaults, the initial history row and events, references, idempotency."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from tasks_unit_fakes import create_task, present, stored

from tasks_service.application.create_task import CreateTask
from tasks_service.domain.errors import (
    AccountDeactivated,
    IdempotencyKeyReused,
    PermissionDenied,
    ValidationFailed,
)
from tasks_service.domain.model import FIELDS, INITIAL, MAX_ASSIGNEES, Status, TaskFields


def _nothing_written(harness) -> bool:
    state = harness.store.state
    return not (state.tasks or state.history or state.events or state.keys)


def test_every_field_left_out_takes_its_declared_default(harness) -> None:
    ann = harness.store.add_user()
    task = stored(harness, create_task(harness, ann, title="Only a title"))
    for spec in FIELDS:
        if spec.name != "title":
            assert getattr(task, spec.name) == spec.default_value(), spec.name
    assert (task.created_by, task.version, task.is_archived, task.is_overdue) == (
        ann,
        1,
        False,
        False,
    )


def test_the_title_is_trimmed_and_hours_kept_to_two_places(harness) -> None:
    ann = harness.store.add_user()
    task = stored(harness, create_task(harness, ann, title="  Ship it  ", estimated_hours=2.5))
    assert (task.title, task.estimated_hours) == ("Ship it", Decimal("2.50"))


def test_creating_writes_one_created_history_row_with_the_values_that_are_not_empty(
    harness,
) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, title="Plan", priority="high")
    [entry] = harness.store.history_of(task_id)
    assert (entry.action, entry.actor_id) == ("created", ann)
    assert entry.changes == {
        "title": {"old": None, "new": "Plan"},
        "status": {"old": None, "new": "todo"},
        "priority": {"old": None, "new": "high"},
    }


def test_a_task_created_without_assignees_announces_only_its_creation(harness) -> None:
    ann = harness.store.add_user()
    task_id = create_task(harness, ann, title="Alone")
    [(event_type, data)] = harness.store.state.events
    assert event_type == "tasks.task.created.v1"
    assert (data["task_id"], data["title"], data["actor_id"]) == (str(task_id), "Alone", str(ann))
    assert (data["version"], data["assignee_ids"]) == (1, [])


def test_a_task_created_with_assignees_announces_creation_then_assignment(harness) -> None:
    ann, bob, cid = (harness.store.add_user() for _ in range(3))
    task_id = create_task(harness, ann, assignees=[bob, cid, bob])
    assert harness.store.event_types() == ["tasks.task.created.v1", "tasks.task.assigned.v1"]
    assigned = harness.store.state.events[1][1]
    assert assigned["user_ids"] == [str(bob), str(cid)]
    assert assigned["version"] == 1
    assert stored(harness, task_id).assignee_ids == [bob, cid]
    [entry] = harness.store.history_of(task_id)
    assert entry.changes["assignee_ids"] == {"old": [], "new": [str(bob), str(cid)]}


def test_the_response_describes_the_stored_task(harness) -> None:
    ann = harness.store.add_user()
    created = harness.create(CreateTask(actor_id=ann, fields=TaskFields(title="T")), present)
    assert created.replayed is False
    assert created.response.status == 201
    task_id = uuid.UUID(created.response.body["id"])
    assert stored(harness, task_id).version == created.response.body["version"]


def test_a_past_due_date_at_creation_is_left_to_the_overdue_job(harness) -> None:
    ann = harness.store.add_user()
    past = harness.clock.at - timedelta(days=3)
    task = stored(harness, create_task(harness, ann, due_date=past))
    assert (task.due_date, task.is_overdue) == (past, False)


@pytest.mark.parametrize("status", list(Status))
def test_a_new_task_starts_in_an_initial_status_only(harness, status: Status) -> None:
    ann = harness.store.add_user()
    if status in INITIAL:
        assert stored(harness, create_task(harness, ann, status=status)).status is status
    else:
        with pytest.raises(ValidationFailed) as caught:
            create_task(harness, ann, status=status)
        assert list(caught.value.errors) == ["status"]
        assert _nothing_written(harness)


def test_every_invalid_field_is_named_at_once_and_nothing_is_written(harness) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed) as caught:
        create_task(harness, ann, title=" ", actual_hours=-1, metadata=[])
    assert set(caught.value.errors) == {"title", "actual_hours", "metadata"}
    assert _nothing_written(harness)


def test_an_unknown_team_is_refused_and_nothing_is_written(harness) -> None:
    boss = harness.store.add_user("manager")
    with pytest.raises(ValidationFailed) as caught:
        create_task(harness, boss, team_id=uuid.uuid4())
    assert list(caught.value.errors) == ["team_id"]
    assert _nothing_written(harness)


def test_a_deleted_team_is_refused(harness) -> None:
    boss = harness.store.add_user("manager")
    team = harness.store.add_team(boss)
    with harness.uow() as uow:
        uow.replica.delete_team(team, version=2)
        uow.commit()
    with pytest.raises(ValidationFailed):
        create_task(harness, boss, team_id=team)


def test_a_member_may_not_file_a_task_under_another_team(harness) -> None:
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    ann = harness.store.add_user("member", mine)
    harness.store.add_user("member", theirs)
    with pytest.raises(PermissionDenied):
        create_task(harness, ann, team_id=theirs)
    assert _nothing_written(harness)
    assert stored(harness, create_task(harness, ann, team_id=mine)).team_id == mine


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_managers_and_admins_file_under_any_team(harness, role: str) -> None:
    team = uuid.uuid4()
    harness.store.add_user("member", team)
    boss = harness.store.add_user(role)
    assert stored(harness, create_task(harness, boss, team_id=team)).team_id == team


def test_an_unknown_parent_is_refused_and_nothing_is_written(harness) -> None:
    ann = harness.store.add_user()
    with pytest.raises(ValidationFailed) as caught:
        create_task(harness, ann, parent_task_id=uuid.uuid4())
    assert list(caught.value.errors) == ["parent_task_id"]
    assert _nothing_written(harness)


def test_a_parent_the_caller_cannot_see_is_refused_like_an_unknown_one(harness) -> None:
    ann, stranger = harness.store.add_user(), harness.store.add_user()
    hidden = create_task(harness, ann)
    with pytest.raises(ValidationFailed) as caught:
        create_task(harness, stranger, parent_task_id=hidden)
    assert caught.value.errors == {"parent_task_id": ["No task you can see has this id."]}
    assert len(harness.store.state.tasks) == 1


def test_a_subtask_names_its_parent(harness) -> None:
    ann = harness.store.add_user()
    parent = create_task(harness, ann)
    child = create_task(harness, ann, parent_task_id=parent)
    assert stored(harness, child).parent_task_id == parent
    assert harness.store.state.events[-1][1]["parent_task_id"] == str(parent)


def test_an_unknown_assignee_is_refused_by_id_and_nothing_is_written(harness) -> None:
    ann = harness.store.add_user()
    ghost = uuid.uuid4()
    with pytest.raises(ValidationFailed) as caught:
        create_task(harness, ann, assignees=[ghost])
    assert str(ghost) in caught.value.errors["assignee_ids"][0]
    assert _nothing_written(harness)


def test_more_than_the_maximum_of_assignees_is_refused_and_nothing_is_written(harness) -> None:
    ann = harness.store.add_user()
    people = [harness.store.add_user() for _ in range(MAX_ASSIGNEES + 1)]
    with pytest.raises(ValidationFailed, match=f"at most {MAX_ASSIGNEES} assignees"):
        create_task(harness, ann, assignees=people)
    assert _nothing_written(harness)
    assert len(stored(harness, create_task(harness, ann, assignees=people[:-1])).assignments) == 50


def test_a_deactivated_caller_creates_nothing(harness) -> None:
    gone = harness.store.add_user(active=False)
    with pytest.raises(AccountDeactivated):
        create_task(harness, gone)
    assert _nothing_written(harness)


def test_a_caller_the_replica_does_not_know_yet_creates_as_a_member(harness) -> None:
    newcomer = uuid.uuid4()
    team = harness.store.add_team()
    task_id = create_task(harness, newcomer)
    assert stored(harness, task_id).created_by == newcomer
    with pytest.raises(PermissionDenied):
        create_task(harness, newcomer, team_id=team)


# Idempotency-Key


def _keyed(actor: uuid.UUID, key: str, title: str = "Once") -> CreateTask:
    return CreateTask(actor_id=actor, fields=TaskFields(title=title), idempotency_key=key)


def test_the_same_key_and_body_replay_the_first_response_and_write_nothing(harness) -> None:
    ann = harness.store.add_user()
    first = harness.create(_keyed(ann, "k1"), present)
    written = (len(harness.store.state.history), len(harness.store.state.events))
    again = harness.create(_keyed(ann, "k1"), present)
    assert (again.replayed, again.response) == (True, first.response)
    assert len(harness.store.state.tasks) == 1
    assert (len(harness.store.state.history), len(harness.store.state.events)) == written


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(harness) -> None:
    ann = harness.store.add_user()
    harness.create(_keyed(ann, "k1"), present)
    with pytest.raises(IdempotencyKeyReused):
        harness.create(_keyed(ann, "k1", title="Other"), present)
    assert [t.title for t in harness.store.state.tasks.values()] == ["Once"]


def test_keys_belong_to_their_caller(harness) -> None:
    ann, bob = harness.store.add_user(), harness.store.add_user()
    first = harness.create(_keyed(ann, "shared"), present)
    second = harness.create(_keyed(bob, "shared"), present)
    assert second.replayed is False
    assert second.response.body["id"] != first.response.body["id"]
    assert len(harness.store.state.tasks) == 2


def test_a_key_past_its_replay_window_creates_again(harness) -> None:
    ann = harness.store.add_user()
    first = harness.create(_keyed(ann, "k1"), present)
    harness.clock.at += harness.create.idempotency_ttl + timedelta(minutes=1)
    later = harness.create(_keyed(ann, "k1", title="Other"), present)
    assert later.replayed is False
    assert later.response.body["id"] != first.response.body["id"]


def test_a_refused_request_does_not_hold_its_key(harness) -> None:
    ann = harness.store.add_user()
    bad = CreateTask(
        actor_id=ann, fields=TaskFields(title="x", team_id=uuid.uuid4()), idempotency_key="k1"
    )
    with pytest.raises(ValidationFailed):
        harness.create(bad, present)
    assert harness.create(_keyed(ann, "k1", title="Fixed"), present).replayed is False
