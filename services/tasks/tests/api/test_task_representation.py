"""A task's fields are declared once: the read side's columns, the documented schema (and
the OpenAPI document) and the keys actually served must all be the same set."""

from __future__ import annotations

import json
from pathlib import Path

from tasks_service.adapters.persistence.task_sql import FIELD_NAMES
from tasks_service.domain.model import EDITABLE
from tasks_service.entrypoints.http.schemas import TaskPatchSchema, TaskSchema

TASKS = "/api/v1/tasks"
COMMITTED = Path(__file__).resolve().parents[4] / "docs" / "openapi" / "tasks.json"


def _documented(document: dict) -> set[str]:
    return set(document["components"]["schemas"]["Task"]["properties"])


def test_the_read_side_serves_what_the_schema_documents() -> None:
    assert set(FIELD_NAMES) == set(TaskSchema().fields)
    assert len(FIELD_NAMES) == len(set(FIELD_NAMES))


def test_every_declared_field_is_writable_and_served() -> None:
    assert set(EDITABLE) <= set(FIELD_NAMES)
    assert set(TaskPatchSchema().fields) == {*EDITABLE, "assignee_ids"}


def test_served_keys_equal_the_live_and_committed_openapi_schema(client, make_user) -> None:
    ann = make_user()
    created = client.post(TASKS, json={"title": "Shape", "tags": ["x"]}, headers=ann.auth)
    assert created.status_code == 201
    task_id = created.get_json()["id"]
    served = [
        set(created.get_json()),
        set(client.get(f"{TASKS}/{task_id}", headers=ann.auth).get_json()),
        set(client.get(TASKS, headers=ann.auth).get_json()["items"][0]),
    ]
    live = client.get("/api/v1/tasks/openapi.json").get_json()
    committed = json.loads(COMMITTED.read_text())
    for keys in served:
        assert keys == set(TaskSchema().fields)
        assert keys == _documented(live) == _documented(committed)
