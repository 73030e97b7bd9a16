"""POST /tasks/bulk: every operation checked as its own request, all or nothing."""

from __future__ import annotations

from typing import Any

TASKS = "/api/v1/tasks"
BULK = f"{TASKS}/bulk"


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def get(client, user, task_id: str) -> dict[str, Any]:
    response = client.get(f"{TASKS}/{task_id}", headers=user.auth)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def bulk(client, user, *operations: dict[str, Any]):
    return client.post(BULK, json={"operations": list(operations)}, headers=user.auth)


def history_actions(client, user, task_id: str) -> list[str]:
    response = client.get(f"{TASKS}/{task_id}/history", headers=user.auth)
    assert response.status_code == 200
    return [entry["action"] for entry in response.get_json()["items"]]


def test_bulk_applies_every_kind_of_operation_with_events_and_history_per_task(
    client, make_user, outbox_rows
) -> None:
    boss, ann = make_user("manager"), make_user()
    first, second, third = create(client, boss), create(client, boss), create(client, boss)
    archived = create(client, boss)
    assert client.delete(f"{TASKS}/{archived['id']}", headers=boss.auth).status_code == 204
    response = bulk(
        client,
        boss,
        {
            "id": first["id"],
            "op": "update",
            "values": {"status": "in_progress", "priority": "high"},
        },
        {"id": second["id"], "op": "assign", "user_ids": [str(ann.id)]},
        {"id": third["id"], "op": "archive"},
        {"id": archived["id"], "op": "restore"},
    )
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [item["id"] for item in items] == [
        first["id"],
        second["id"],
        third["id"],
        archived["id"],
    ]
    assert (items[0]["status"], items[0]["priority"]) == ("in_progress", "high")
    assert items[1]["assignee_ids"] == [str(ann.id)]
    assert items[2]["is_archived"] is True
    assert items[3]["is_archived"] is False
    assert history_actions(client, boss, first["id"])[0] == "status_changed"
    assert history_actions(client, boss, second["id"])[0] == "assigned"
    assert history_actions(client, boss, third["id"])[0] == "archived"
    assert history_actions(client, boss, archived["id"])[0] == "restored"
    assert "tasks.task.status_changed.v1" in [row.type for row in outbox_rows(first["id"])]
    assert outbox_rows(second["id"])[-1].type == "tasks.task.assigned.v1"
    assert outbox_rows(third["id"])[-1].type == "tasks.task.archived.v1"
    assert outbox_rows(archived["id"])[-1].type == "tasks.task.restored.v1"


def test_a_failing_operation_in_the_middle_writes_nothing(client, make_user, row_counts) -> None:
    ann = make_user()
    first, middle, last = create(client, ann), create(client, ann), create(client, ann)
    before = row_counts()
    response = bulk(
        client,
        ann,
        {"id": first["id"], "op": "update", "values": {"title": "changed"}},
        # todo → in_review skips the workflow: refused, as it would be on its own.
        {"id": middle["id"], "op": "update", "values": {"status": "in_review"}},
        {"id": last["id"], "op": "archive"},
    )
    assert response.status_code == 409, response.get_json()
    problem = response.get_json()
    assert response.content_type == "application/problem+json"
    assert problem["type"] == "/problems/bulk-operation-failed"
    assert list(problem["errors"]) == ["operations.1"]
    assert "/problems/invalid-transition" in problem["errors"]["operations.1"][0]
    assert row_counts() == before
    assert get(client, ann, first["id"])["title"] == "A task"
    assert get(client, ann, first["id"])["version"] == 1
    assert get(client, ann, last["id"])["is_archived"] is False


def test_an_invalid_value_is_a_422_naming_the_operation_and_field(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    response = bulk(
        client,
        ann,
        {"id": task["id"], "op": "archive"},
        {"id": task["id"], "op": "update", "values": {"priority": "whenever"}},
    )
    assert response.status_code == 422
    assert "operations.1.values.priority" in response.get_json()["errors"]
    assert get(client, ann, task["id"])["is_archived"] is False


def test_a_rule_checked_by_the_use_case_is_a_422_naming_the_operation(client, make_user):
    boss = make_user("manager")
    task = create(client, boss)
    unknown = "01890000-0000-7000-8000-000000000000"
    response = bulk(client, boss, {"id": task["id"], "op": "assign", "user_ids": [unknown]})
    assert response.status_code == 422, response.get_json()
    assert "operations.0.user_ids" in response.get_json()["errors"]


def test_each_operation_is_checked_for_permission_and_visibility(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    mine, theirs = create(client, ann), create(client, bob)
    hidden = bulk(
        client,
        ann,
        {"id": mine["id"], "op": "update", "values": {"title": "x"}},
        {"id": theirs["id"], "op": "update", "values": {"title": "x"}},
    )
    assert hidden.status_code == 409
    assert list(hidden.get_json()["errors"]) == ["operations.1"]
    assert "404" in hidden.get_json()["errors"]["operations.1"][0]
    # An assignee may edit but not archive.
    shared = create(client, bob, assignee_ids=[str(ann.id)])
    forbidden = bulk(
        client,
        ann,
        {"id": shared["id"], "op": "update", "values": {"title": "ok"}},
        {"id": shared["id"], "op": "archive"},
    )
    assert forbidden.status_code == 409
    assert "403" in forbidden.get_json()["errors"]["operations.1"][0]
    assert get(client, bob, shared["id"])["title"] == "A task"
    assert get(client, ann, mine["id"])["title"] == "A task"


def test_a_version_per_operation_works_like_if_match(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    stale = bulk(client, ann, {"id": task["id"], "op": "archive", "version": 7})
    assert stale.status_code == 409
    assert "412" in stale.get_json()["errors"]["operations.0"][0]
    # The same task twice: the second operation expects the first one's result.
    chained = bulk(
        client,
        ann,
        {"id": task["id"], "op": "update", "values": {"status": "in_progress"}, "version": 1},
        {"id": task["id"], "op": "update", "values": {"status": "in_review"}, "version": 2},
    )
    assert chained.status_code == 200, chained.get_json()
    assert [item["version"] for item in chained.get_json()["items"]] == [3, 3]
    assert get(client, ann, task["id"])["status"] == "in_review"


def test_the_operations_are_validated_by_shape(client, make_user) -> None:
    ann = make_user()
    task = create(client, ann)
    tid = task["id"]
    bad_bodies: list[Any] = [
        {},
        {"operations": []},
        {"operations": [{"id": tid, "op": "archive"}] * 101},
        {"operations": [{"id": tid, "op": "explode"}]},
        {"operations": [{"id": tid, "op": "update"}]},
        {"operations": [{"id": tid, "op": "archive", "values": {"title": "x"}}]},
        {"operations": [{"id": tid, "op": "assign"}]},
        {"operations": [{"id": tid, "op": "update", "values": {"nope": 1}}]},
        {"operations": [{"id": "not-a-uuid", "op": "archive"}]},
        {"operations": [{"id": tid, "op": "archive", "version": 0}]},
        {"operations": [{"id": tid, "op": "archive"}], "extra": True},
    ]
    for body in bad_bodies:
        response = client.post(BULK, json=body, headers=ann.auth)
        assert response.status_code == 422, body
        assert response.content_type == "application/problem+json"
    assert get(client, ann, tid)["version"] == 1


def test_bulk_needs_a_token(client) -> None:
    assert client.post(BULK, json={"operations": []}).status_code == 401
