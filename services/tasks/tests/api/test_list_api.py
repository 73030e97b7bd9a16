"""GET /tasks: every filter, every sort (both directions, paged), full-text search, member
visibility across its branches, cursor stability under inserts, and bad parameters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

TASKS = "/api/v1/tasks"
PRIORITY_RANK = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
STATUS_RANK = {"todo": 0, "in_progress": 1, "in_review": 2, "blocked": 3, "done": 4, "cancelled": 5}


def create(client, user, **body: Any) -> dict[str, Any]:
    response = client.post(TASKS, json={"title": "A task"} | body, headers=user.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def all_pages(client, user, **query: Any) -> list[dict[str, Any]]:
    """Every item, following next_cursor with small pages."""
    items: list[dict[str, Any]] = []
    params = {"limit": 2} | query
    for _ in range(100):
        response = client.get(TASKS, query_string=params, headers=user.auth)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        items += body["items"]
        if body["next_cursor"] is None:
            assert "Link" not in response.headers
            return items
        assert body["next_cursor"] in response.headers["Link"]
        params = params | {"cursor": body["next_cursor"]}
    raise AssertionError("pagination did not end")


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


@pytest.fixture
def board(client, make_user, make_team) -> dict[str, Any]:
    """A member's own tasks of varied fields (they see exactly these)."""
    ann, bob = make_user(), make_user()
    team = make_team(ann)
    now = datetime.now(UTC)
    specs = [
        {"title": "Alpha report", "priority": "low", "status": "todo", "tags": ["Docs"]},
        {
            "title": "beta deploy",
            "priority": "urgent",
            "status": "in_progress",
            "due_date": (now + timedelta(days=3)).isoformat(),
            "assignee_ids": [str(bob.id)],
        },
        {
            "title": "Gamma review",
            "priority": "high",
            "status": "blocked",
            "team_id": str(team),
            "due_date": (now - timedelta(days=2)).isoformat(),
            "tags": ["ops", "docs"],
        },
        {
            "title": "delta invoices",
            "priority": "medium",
            "status": "done",
            "description": "Reconcile the quarterly invoices",
            "due_date": (now + timedelta(days=10)).isoformat(),
        },
        {
            "title": "Epsilon",
            "priority": "urgent",
            "status": "cancelled",
            "description": "nothing to see",
            "tags": ["ops"],
        },
    ]
    tasks = [create(client, ann, **spec) for spec in specs]
    child = create(client, ann, title="Zeta subtask", parent_task_id=tasks[0]["id"])
    return {"ann": ann, "bob": bob, "team": team, "tasks": [*tasks, child]}


def test_default_order_is_newest_first(client, board) -> None:
    items = all_pages(client, board["ann"])
    assert ids(items) == ids(reversed(board["tasks"]))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": ["todo", "done"]}, [0, 3, 5]),
        ({"priority": "urgent"}, [1, 4]),
        ({"priority": ["low", "high"]}, [0, 2]),
        ({"tag": "DOCS"}, [0, 2]),
        ({"tag": ["docs", "ops"]}, [0, 2, 4]),
        ({"parent": "none"}, [0, 1, 2, 3, 4]),
        ({"q": "invoice"}, [3]),
        ({"q": "deploy OR review"}, [1, 2]),
        ({"q": '"quarterly invoices"'}, [3]),
        ({"q": "report -alpha"}, []),
        ({"overdue": "false"}, [0, 1, 2, 3, 4, 5]),
        ({"overdue": "true"}, []),
    ],
)
def test_filters(client, board, query, expected) -> None:
    items = all_pages(client, board["ann"], **query)
    assert sorted(ids(items)) == sorted(board["tasks"][i]["id"] for i in expected)


def test_id_filters(client, board) -> None:
    ann, bob, tasks = board["ann"], board["bob"], board["tasks"]
    assert ids(all_pages(client, ann, assignee=str(bob.id))) == [tasks[1]["id"]]
    assert ids(all_pages(client, bob, assignee="me")) == [tasks[1]["id"]]
    assert ids(all_pages(client, ann, team=str(board["team"]))) == [tasks[2]["id"]]
    assert ids(all_pages(client, ann, parent=tasks[0]["id"])) == [tasks[5]["id"]]
    assert len(all_pages(client, ann, created_by=str(ann.id))) == 6
    assert all_pages(client, ann, created_by=str(bob.id)) == []


def test_date_filters(client, board) -> None:
    ann, tasks = board["ann"], board["tasks"]
    now = datetime.now(UTC)
    before = all_pages(client, ann, due_before=(now + timedelta(days=5)).isoformat())
    assert sorted(ids(before)) == sorted([tasks[1]["id"], tasks[2]["id"]])
    after = all_pages(client, ann, due_after=now.isoformat())
    assert sorted(ids(after)) == sorted([tasks[1]["id"], tasks[3]["id"]])
    client.patch(f"{TASKS}/{tasks[4]['id']}", json={"description": "touched"}, headers=ann.auth)
    since = tasks[5]["updated_at"]
    assert ids(all_pages(client, ann, updated_since=since)) == [tasks[5]["id"], tasks[4]["id"]]


def _expected_order(tasks: list[dict[str, Any]], key: str, descending: bool) -> list[str]:
    def value(task: dict[str, Any]) -> Any:
        match key:
            case "priority":
                return PRIORITY_RANK[task["priority"]]
            case "status":
                return STATUS_RANK[task["status"]]
            case "title":
                return task["title"].lower()
            case _:
                return task[key]

    dated = [t for t in tasks if key != "due_date" or t["due_date"]]
    undated = [t for t in tasks if key == "due_date" and not t["due_date"]]
    ordered = sorted(dated, key=lambda t: (value(t), t["id"]), reverse=descending)
    return ids(ordered) + ids(sorted(undated, key=lambda t: t["id"], reverse=descending))


@pytest.mark.parametrize(
    "key", ["created_at", "updated_at", "due_date", "priority", "status", "title"]
)
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_completely_in_order(client, board, key, descending) -> None:
    sort = ("-" if descending else "") + key
    items = all_pages(client, board["ann"], sort=sort)
    assert ids(items) == _expected_order(board["tasks"], key, descending)


def test_multi_key_sort_with_mixed_directions(client, board) -> None:
    items = all_pages(client, board["ann"], sort="-priority,title")
    expected = sorted(
        board["tasks"], key=lambda t: (-PRIORITY_RANK[t["priority"]], t["title"].lower())
    )
    assert ids(items) == ids(expected)


def test_search_is_ranked_title_before_description(client, make_user) -> None:
    ann = make_user()
    weak = create(client, ann, title="Unrelated", description="mentions the migration once")
    strong = create(client, ann, title="Database migration", description="migration plan")
    other = create(client, ann, title="Lunch")
    items = all_pages(client, ann, q="migration")
    assert ids(items) == [strong["id"], weak["id"]]
    assert other["id"] not in ids(items)
    by_title = all_pages(client, ann, q="migration", sort="title")
    assert ids(by_title) == [strong["id"], weak["id"]]


def test_cursor_is_stable_while_tasks_are_inserted(client, make_user) -> None:
    ann = make_user()
    existing = [create(client, ann, title=f"Old {i}") for i in range(5)]
    first = client.get(TASKS, query_string={"limit": 2}, headers=ann.auth).get_json()
    fresh = [create(client, ann, title=f"New {i}") for i in range(3)]
    seen = ids(first["items"])
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            TASKS, query_string={"limit": 2, "cursor": cursor}, headers=ann.auth
        ).get_json()
        seen += ids(page["items"])
        cursor = page["next_cursor"]
    assert seen == ids(reversed(existing))
    assert not set(seen) & set(ids(fresh))


def test_members_see_own_assigned_and_team_tasks_once_each(client, make_user, make_team) -> None:
    ann, bob, cat, dan = make_user(), make_user(), make_user(), make_user()
    team_one, team_two = make_team(ann, cat), make_team(ann, dan)
    mine = create(client, ann, title="Mine", team_id=str(team_one))
    assigned = create(client, bob, title="Assigned", assignee_ids=[str(ann.id)])
    everywhere = create(
        client, cat, title="Everywhere", team_id=str(team_one), assignee_ids=[str(ann.id)]
    )
    second_team = create(client, dan, title="Second team", team_id=str(team_two))
    create(client, bob, title="Hidden")
    items = all_pages(client, ann)
    expected = [second_team, everywhere, assigned, mine]
    assert ids(items) == ids(expected)
    titles = ids(all_pages(client, ann, sort="title"))
    assert titles == ids(sorted(expected, key=lambda t: t["title"].lower()))
    assert ids(all_pages(client, ann, q="everywhere")) == [everywhere["id"]]


def test_managers_see_everyone_s_tasks(client, make_user) -> None:
    ann, boss = make_user(), make_user("manager")
    tasks = [create(client, ann, title=f"T{i}") for i in range(3)]
    items = all_pages(client, boss, created_by=str(ann.id))
    assert ids(items) == ids(reversed(tasks))


def test_archived_filter(client, make_user) -> None:
    ann = make_user()
    live, gone = create(client, ann), create(client, ann)
    client.delete(f"{TASKS}/{gone['id']}", headers=ann.auth)
    assert ids(all_pages(client, ann)) == [live["id"]]
    assert ids(all_pages(client, ann, archived="true")) == [gone["id"]]
    assert ids(all_pages(client, ann, archived="all")) == [gone["id"], live["id"]]


def test_items_carry_assignees_and_tags(client, make_user) -> None:
    ann, bob = make_user(), make_user()
    # Tag names are global (first spelling wins): names of this test's own.
    word = uuid.uuid4().hex[:8]
    create(client, ann, tags=[f"b{word}", f"A{word}"], assignee_ids=[str(bob.id)])
    [item] = client.get(TASKS, headers=ann.auth).get_json()["items"]
    assert item["tags"] == [f"A{word}", f"b{word}"]
    assert [a["username"] for a in item["assignees"]] == [bob.username]
    assert item["assignee_ids"] == [str(bob.id)]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 1000}, "limit"),
        ({"limit": 0}, "limit"),
        ({"owner": "me"}, "owner"),
        ({"status": "finished"}, "status"),
        ({"priority": "asap"}, "priority"),
        ({"sort": "password"}, "sort"),
        ({"sort": "-rank"}, "sort"),
        ({"assignee": "someone"}, "assignee"),
        ({"parent": "root"}, "parent"),
        ({"archived": "maybe"}, "archived"),
        ({"overdue": "yes"}, "overdue"),
        ({"due_before": "tomorrow"}, "due_before"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "eyJzIjoiLWNyZWF0ZWRfYXQiLCJ2IjpbMSwyXX0"}, "cursor"),
    ],
)
def test_bad_parameters_are_422_problems(client, make_user, query, field) -> None:
    ann = make_user()
    response = client.get(TASKS, query_string=query, headers=ann.auth)
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    # Parameters refused by the schema are named `query.<name>`; cursors by the use case.
    names = {
        name.split(".")[1 if name.startswith("query.") else 0]
        for name in response.get_json()["errors"]
    }
    assert field in names


def test_a_cursor_of_another_sort_or_edited_is_refused(client, make_user) -> None:
    ann = make_user()
    for i in range(3):
        create(client, ann, title=f"T{i}")
    cursor = client.get(TASKS, query_string={"limit": 1}, headers=ann.auth).get_json()[
        "next_cursor"
    ]
    other_sort = client.get(
        TASKS, query_string={"cursor": cursor, "sort": "title"}, headers=ann.auth
    )
    assert other_sort.status_code == 422
    truncated = client.get(TASKS, query_string={"cursor": cursor[:-4]}, headers=ann.auth)
    assert truncated.status_code == 422
    padded = client.get(TASKS, query_string={"cursor": cursor + "%%"}, headers=ann.auth)
    assert padded.status_code == 422
