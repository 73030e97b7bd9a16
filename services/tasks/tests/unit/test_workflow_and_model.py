"""The task aggregate: field rules, the status workflow, assignees, history diffs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tasks_service.domain.errors import (
    InvalidTransition,
    NotAssigned,
    TaskArchived,
    ValidationFailed,
)
from tasks_service.domain.events import Change, TaskCreated, changes_as_json
from tasks_service.domain.model import (
    INITIAL,
    TRANSITIONS,
    Status,
    Task,
    TaskFields,
    check_parent,
)
from tasks_service.domain.workflow import check_transition

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
ANN = uuid.UUID(int=1)
BOB = uuid.UUID(int=2)


def new_task(**values: object) -> Task:
    return Task.create(
        task_id=uuid.uuid4(),
        fields=TaskFields(**({"title": "Write docs"} | values)),  # type: ignore[arg-type]
        created_by=ANN,
        at=NOW,
    )


def edit(task: Task, **values: object) -> list[Change]:
    """A PATCH of these fields by Bob."""
    return task.update(TaskFields(**values), tuple(values), by=BOB, at=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(c, w) for c in Status for w in Status if w in TRANSITIONS[c] or w == c],
)
def test_allowed_moves_pass(current: Status, wanted: Status) -> None:
    check_transition(current, wanted)


@pytest.mark.parametrize(
    ("current", "wanted"),
    [(c, w) for c in Status for w in Status if w not in TRANSITIONS[c] and w != c],
)
def test_other_moves_are_refused_naming_the_allowed_ones(current: Status, wanted: Status) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, wanted)
    assert caught.value.allowed == sorted(s.value for s in TRANSITIONS[current])
    assert current.value in str(caught.value)


def test_the_workflow_reaches_every_status_and_reopens_closed_tasks() -> None:
    assert Status.IN_PROGRESS in TRANSITIONS[Status.DONE]
    assert Status.TODO in TRANSITIONS[Status.CANCELLED]
    assert Status.IN_REVIEW not in INITIAL
    reachable = {Status.TODO}
    for _ in Status:
        reachable |= {t for s in reachable for t in TRANSITIONS[s]}
    assert reachable == set(Status)


def test_create_applies_defaults_and_records_initial_values() -> None:
    task = new_task(title="  Ship it ", estimated_hours=Decimal("2.5"), tags=["a", "A", "b"])
    (created,) = task.events
    assert isinstance(created, TaskCreated)
    initial = created.changes
    assert (task.title, task.status, task.priority.value) == ("Ship it", Status.TODO, "medium")
    assert task.estimated_hours == Decimal("2.50")
    assert task.tags == ["a", "b"]
    assert {c.field for c in initial} == {"title", "status", "priority", "estimated_hours", "tags"}
    assert task.version == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "bad\x00title"}, "title"),
        ({"description": "d" * 20_001}, "description"),
        ({"estimated_hours": Decimal("-1")}, "estimated_hours"),
        ({"actual_hours": Decimal("1.234")}, "actual_hours"),
        ({"estimated_hours": Decimal("NaN")}, "estimated_hours"),
        ({"metadata": {"blob": "x" * 16_400}}, "metadata"),
        ({"metadata": []}, "metadata"),
        ({"status": "done-ish"}, "status"),
        ({"status": Status.IN_REVIEW}, "status"),
        ({"due_date": datetime(2026, 1, 1)}, "due_date"),
        ({"tags": ["a,b"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
    ],
)
def test_invalid_fields_are_refused_by_name(values: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        new_task(**values)
    assert field in caught.value.errors


def test_a_title_of_200_characters_and_16_kib_of_metadata_are_fine() -> None:
    task = new_task(title="t" * 200, metadata={"k": "x" * (16 * 1024 - 10)})
    assert len(task.title) == 200


def test_edit_returns_only_real_changes_and_checks_the_workflow() -> None:
    task = new_task(priority="low")
    changes = edit(task, **{"title": "Write docs", "priority": "high", "status": "in_progress"})
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("priority", "low", "high"),
        ("status", "todo", "in_progress"),
    ]
    edit(task, **{"status": "done"})
    with pytest.raises(InvalidTransition):
        edit(task, **{"status": "todo", "title": "New"})
    assert task.title == "Write docs"  # nothing applied from the refused edit
    assert edit(task, **{"tags": []}) == []


def test_tags_differing_only_in_letter_case_are_no_change() -> None:
    task = new_task(tags=["Bug"])
    assert edit(task, **{"tags": ["bug"]}) == []


def test_closing_or_rescheduling_clears_overdue() -> None:
    task = new_task(due_date=NOW - timedelta(days=1))
    task.is_overdue = True
    changes = edit(task, **{"due_date": NOW + timedelta(days=2)})
    assert task.is_overdue is False
    assert Change("is_overdue", True, False) in changes


def test_history_diffs_are_json() -> None:
    team = uuid.uuid4()
    diff = changes_as_json(
        [
            Change("team_id", None, team),
            Change("due_date", None, NOW),
            Change("estimated_hours", Decimal("1.00"), Decimal("2.50")),
            Change("status", Status.TODO, Status.DONE),
            Change("assignee_ids", [], [ANN]),
        ]
    )
    assert diff == {
        "team_id": {"old": None, "new": str(team)},
        "due_date": {"old": None, "new": NOW.isoformat()},
        "estimated_hours": {"old": "1.00", "new": "2.50"},
        "status": {"old": "todo", "new": "done"},
        "assignee_ids": {"old": [], "new": [str(ANN)]},
    }


def test_assignees_add_replace_and_remove() -> None:
    task = new_task()
    assert task.assign([ANN, BOB, ANN], by=ANN, at=NOW) == [ANN, BOB]
    assert task.assign([BOB], by=ANN, at=NOW) == []
    added, removed = task.set_assignees([BOB, uuid.UUID(int=3)], by=ANN, at=NOW)
    assert (added, removed) == ([uuid.UUID(int=3)], [ANN])
    task.unassign(BOB, by=ANN, at=NOW)
    assert task.assignee_ids == [uuid.UUID(int=3)]
    with pytest.raises(NotAssigned):
        task.unassign(BOB, by=ANN, at=NOW)


def test_archived_tasks_are_read_only_until_restored() -> None:
    task = new_task()
    assert task.archive(by=ANN, at=NOW) is True
    assert task.archive(by=ANN, at=NOW) is False
    with pytest.raises(TaskArchived):
        edit(task, **{"title": "x"})
    with pytest.raises(TaskArchived):
        task.assign([BOB], by=ANN, at=NOW)
    assert task.restore(by=ANN, at=NOW) is True
    assert (task.is_archived, task.archived_at) == (False, None)


def test_a_task_cannot_be_its_own_ancestor() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    check_parent(a, b, [c])
    with pytest.raises(ValidationFailed):
        check_parent(a, a, [])
    with pytest.raises(ValidationFailed):
        check_parent(a, b, [c, a])  # b's ancestors include a: a cycle
