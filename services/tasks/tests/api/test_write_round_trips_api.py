"""The write path's statement budget (issue 19, ADR 0028): what a create and a patch send to
PostgreSQL, besides BEGIN and COMMIT. A new statement on these paths is a new round trip on
every write: raise the budget only knowingly (and re-measure, docs/performance.md)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient

CREATE_BUDGET = 9
"""Caller, task, tags (made, found and linked at once), score, history, outbox with the
relay's NOTIFY, SLA policies, SLA record, the document."""
PATCH_BUDGET = 11
"""Caller, lock, load, update, score, history, outbox with NOTIFY, SLA policies, the locked
SLA record, its update, the document."""


def statements_of(engine: sa.Engine, request: Callable[[], Any]) -> tuple[Any, list[str]]:
    """The response to `request` and the statements the tasks pool ran for it."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        return request(), seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def test_a_create_stays_within_its_statement_budget(
    client: FlaskClient, make_user: Any, tasks_runtime: Any
) -> None:
    user = make_user()
    body = {"title": "Budget", "priority": "high", "tags": ["budget-tag"]}
    assert client.post("/api/v1/tasks", json=body, headers=user.auth).status_code == 201
    response, seen = statements_of(
        tasks_runtime.engine, lambda: client.post("/api/v1/tasks", json=body, headers=user.auth)
    )
    assert response.status_code == 201
    assert response.get_json()["tags"] == ["budget-tag"]
    assert len(seen) <= CREATE_BUDGET, "\n".join(s[:120] for s in seen)
    assert sum("pg_notify" in statement for statement in seen) == 1


def test_a_patch_stays_within_its_statement_budget(
    client: FlaskClient, make_user: Any, tasks_runtime: Any
) -> None:
    user = make_user()
    created = client.post("/api/v1/tasks", json={"title": "Budget"}, headers=user.auth)
    url = f"/api/v1/tasks/{created.get_json()['id']}"
    response, seen = statements_of(
        tasks_runtime.engine,
        lambda: client.patch(url, json={"priority": "low"}, headers=user.auth),
    )
    assert response.status_code == 200
    assert response.get_json()["priority"] == "low"
    assert len(seen) <= PATCH_BUDGET, "\n".join(s[:120] for s in seen)
    assert sum("pg_notify" in statement for statement in seen) == 1
