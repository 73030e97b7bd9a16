"""Hostile input to the tasks API (issue 11): 422 problems naming the field, never a 500,
nothing written; list links never built from the client's Host."""

from __future__ import annotations

from typing import Any

import pytest

TASKS = "/api/v1/tasks"
TEMPLATES = "/api/v1/task-templates"
PROBLEM = "application/problem+json"


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    errors = response.get_json()["errors"]
    assert list(errors) == [field], errors


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"title": "t", "estimated_hours": 1e26}', "estimated_hours"),
        ('{"title": "t", "estimated_hours": "1e26"}', "estimated_hours"),
        ('{"title": "t", "actual_hours": 1e25}', "actual_hours"),
        ('{"title": "t", "actual_hours": "NaN"}', "actual_hours"),
        ('{"title": "t", "metadata": {"k": "a\\u0000b"}}', "metadata.k"),
        ('{"title": "t", "metadata": {"a\\u0000": 1}}', "metadata.a\\u0000"),
        ('{"title": "t", "metadata": {"n": 1e400}}', "metadata.n"),
        ('{"title": "t", "metadata": {"n": ' + "7" * 4400 + "}}", "metadata.n"),
        ('{"title": "t\\ud800"}', "title"),
        ('{"title": "t", "due_date": "0001-01-01T00:00:00+01:00"}', "due_date"),
        ('{"title": "t", "due_date": "9999-12-31T23:59:59-01:00"}', "due_date"),
        ('{"title": "t", "metadata": ' + "[" * 1000 + "]" * 1000 + "}", "_schema"),
    ],
)
def test_hostile_task_bodies_are_422_and_write_nothing(
    client, make_user, row_counts, raw: str, field: str
) -> None:
    ann = make_user()
    before = row_counts()
    response = client.post(TASKS, data=raw, headers=ann.auth | {"Content-Type": "application/json"})
    _refused(response, field)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"estimated_hours": "1e26"}, "estimated_hours"),
        ({"estimated_hours": 1e25}, "estimated_hours"),
        ({"title": "a\x00b"}, "title"),
    ],
)
def test_hostile_template_bodies_are_422(client, make_user, body, field) -> None:
    ann = make_user()
    response = client.post(TEMPLATES, json={"name": "n", "title": "t"} | body, headers=ann.auth)
    _refused(response, field)


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        (TASKS, "q=%00", "query.q"),
        (TASKS, "tag=%00", "query.tag"),
        (TASKS, "tag=ok&tag=x%00", "query.tag"),
        (TASKS, "due_before=0001-01-01T00:00:00%2B01:00", "query.due_before"),
        ("/api/v1/tags", "q=%00", "query.q"),
        (TEMPLATES, "q=a%00", "query.q"),
    ],
)
def test_hostile_list_queries_are_422_naming_the_parameter(
    client, make_user, path, query, field
) -> None:
    response = client.get(f"{path}?{query}", headers=make_user().auth)
    _refused(response, field)


def test_the_next_link_never_takes_the_clients_host(client, make_user) -> None:
    ann = make_user()
    for title in ("one", "two"):
        client.post(TASKS, json={"title": title}, headers=ann.auth)
    response = client.get(f"{TASKS}?limit=1", headers=ann.auth | {"Host": "evil.example"})
    assert response.status_code == 200
    link = response.headers["Link"]
    assert "evil" not in link
    assert link.startswith("<https://taskhive.test/api/v1/tasks")
