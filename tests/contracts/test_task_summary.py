"""Every `tasks.task.*.v1` contract takes the task summary from one shared definition
(shared/contracts/tasks.task-summary.json): a summary field missing or mistyped is refused in
each of them, exactly as when every schema restated it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from taskhive_shared.events.contracts import ContractRegistry, ContractViolation, contracts_dir

SUMMARY = "tasks.task-summary.json"
TASK_TYPES = [name for name in ContractRegistry().known_types() if name.startswith("tasks.task.")]
ANN = "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
BOB = "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"

SPECIFIC: dict[str, dict[str, Any]] = {
    "tasks.task.updated.v1": {"changes": {"title": {"old": "Draft", "new": "Plan"}}},
    "tasks.task.status_changed.v1": {"old_status": "todo", "new_status": "in_progress"},
    "tasks.task.assigned.v1": {"user_ids": [BOB]},
    "tasks.task.unassigned.v1": {"user_ids": [BOB]},
    "tasks.task.commented.v1": {"comment_id": ANN, "comment_excerpt": "Looks good"},
    "tasks.task.deleted.v1": {"archived_at": "2026-01-01T09:00:00+00:00"},
    "tasks.task.dependency_added.v1": {"blocked_by_id": BOB},
    "tasks.task.dependency_removed.v1": {"blocked_by_id": BOB},
    "tasks.task.sla_at_risk.v1": {
        "policy_id": ANN,
        "response_due": "2026-01-02T12:00:00+00:00",
        "resolution_due": "2026-01-05T17:00:00+00:00",
    },
    "tasks.task.sla_breached.v1": {
        "policy_id": ANN,
        "response_due": "2026-01-02T12:00:00+00:00",
        "resolution_due": "2026-01-05T17:00:00+00:00",
        "old_priority": "high",
        "escalated_to": [BOB],
    },
    "tasks.task.snapshot.v1": {
        "created_at": "2026-01-01T09:00:00+00:00",
        "status_history": [
            {"status": "todo", "at": "2026-01-01T09:00:00+00:00"},
            {"status": "in_progress", "at": "2026-01-02T10:00:00+00:00"},
        ],
    },
}


def _summary(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": "0194a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d",
        "title": "Plan",
        "status": "in_progress",
        "priority": "high",
        "due_date": "2026-02-01T17:00:00+00:00",
        "story_points": 8,
        "team_id": None,
        "parent_task_id": None,
        "created_by": ANN,
        "assignee_ids": [BOB],
        "tags": ["release"],
        "is_archived": False,
        "is_overdue": False,
        "version": 3,
        "actor_id": ANN,
        "occurred_at": "2026-01-02T10:00:00+00:00",
    }
    data.update(overrides)
    return data


def _event(event_type: str, **overrides: Any) -> dict[str, Any]:
    return {**_summary(), **SPECIFIC.get(event_type, {}), **overrides}


def _schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((contracts_dir() / name).read_text("utf-8"))
    return schema


def test_there_are_sixteen_task_events() -> None:
    assert len(TASK_TYPES) == 16


@pytest.mark.parametrize("event_type", TASK_TYPES)
def test_each_task_event_references_the_summary_and_restates_none_of_it(event_type: str) -> None:
    schema = _schema(f"{event_type}.json")
    assert {"$ref": SUMMARY} in schema["allOf"]
    summary_fields = set(_schema(SUMMARY)["properties"])
    assert not summary_fields & set(schema.get("properties", {}))
    assert not summary_fields & set(schema.get("required", []))


@pytest.mark.parametrize("event_type", TASK_TYPES)
def test_a_complete_event_passes_and_stays_open_to_new_fields(event_type: str) -> None:
    registry = ContractRegistry()
    registry.validate(event_type, _event(event_type))
    # Additive changes within v1: a field the schema does not name yet is accepted.
    registry.validate(event_type, _event(event_type, estimated_hours="2.50"))
    # story_points came after the first events: an event without it still passes.
    without = _event(event_type)
    del without["story_points"]
    registry.validate(event_type, without)


@pytest.mark.parametrize("event_type", TASK_TYPES)
@pytest.mark.parametrize(
    "missing", ["task_id", "title", "status", "assignee_ids", "version", "actor_id", "occurred_at"]
)
def test_a_missing_summary_field_is_refused(event_type: str, missing: str) -> None:
    data = _event(event_type)
    del data[missing]
    with pytest.raises(ContractViolation, match=f"'{missing}' is a required property"):
        ContractRegistry().validate(event_type, data)


@pytest.mark.parametrize("event_type", ["tasks.task.created.v1", "tasks.task.assigned.v1"])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("task_id", "not-a-uuid"),
        ("title", ""),
        ("status", "finished"),
        ("priority", 3),
        ("due_date", "tomorrow"),
        ("story_points", 101),
        ("story_points", "8"),
        ("assignee_ids", [BOB, BOB]),
        ("tags", "release"),
        ("is_overdue", "no"),
        ("version", 0),
        ("version", "3"),
        ("occurred_at", None),
    ],
)
def test_a_mistyped_summary_field_is_refused(event_type: str, field: str, value: object) -> None:
    with pytest.raises(ContractViolation):
        ContractRegistry().validate(event_type, _event(event_type, **{field: value}))


@pytest.mark.parametrize("event_type", sorted(SPECIFIC))
def test_the_event_specific_fields_are_still_required(event_type: str) -> None:
    for name in SPECIFIC[event_type]:
        data = _event(event_type)
        del data[name]
        with pytest.raises(ContractViolation, match=f"'{name}' is a required property"):
            ContractRegistry().validate(event_type, data)


@pytest.mark.parametrize("event_type", TASK_TYPES)
def test_the_self_contained_schema_accepts_exactly_what_the_contract_accepts(
    event_type: str,
) -> None:
    registry = ContractRegistry()
    document = registry.schema(event_type)
    assert "$ref" not in json.dumps(document)  # nothing left to resolve: it stands alone
    assert set(_schema(SUMMARY)["properties"]) <= set(document["properties"])
    alone = Draft202012Validator(document, format_checker=Draft202012Validator.FORMAT_CHECKER)
    complete = _event(event_type)
    variants = [complete, {**complete, "extra": 1}, {**complete, "story_points": 101}]
    variants += [{k: v for k, v in complete.items() if k != name} for name in complete]
    variants += [{**complete, name: None} for name in complete]
    for data in variants:
        try:
            registry.validate(event_type, data)
            accepted = True
        except ContractViolation:
            accepted = False
        assert alone.is_valid(data) == accepted, data
