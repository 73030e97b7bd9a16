"""The read side's statement timeout (ADR 0029), on real PostgreSQL: a read that cannot finish
(tasks.tasks locked by another transaction) is cut off and answered 503 problem+json; the pool
stays usable; writes, jobs' reads and migrations run without the limit.

No time is asserted: the read blocks on the lock until the server cancels it, so it can only
end by the timeout. Should no timeout apply, the locking session ends itself after a while
(`idle_in_transaction_session_timeout`), the read then succeeds, and the test fails on its
status instead of hanging.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from taskhive_shared.security.denylist import InMemoryTokenDenylist
from taskhive_shared.security.tokens import LocalKeyResolver
from tasks_service.bootstrap import TasksRuntime, build_http_app, build_runtime

TASKS = "/api/v1/tasks"
LIMIT_MS = 200


@pytest.fixture
def limited(tasks_settings, token_keys) -> Iterator[TasksRuntime]:
    """A tasks runtime whose reads stop after LIMIT_MS (the session's has the default)."""
    settings = tasks_settings.model_copy(update={"read_statement_timeout_ms": LIMIT_MS})
    runtime = build_runtime(
        settings, key_resolver=LocalKeyResolver(token_keys.jwks), denylist=InMemoryTokenDenylist()
    )
    yield runtime
    runtime.dispose()


@pytest.fixture
def limited_client(limited: TasksRuntime) -> FlaskClient:
    return build_http_app(limited).test_client()


@contextmanager
def tasks_locked(admin_engine: sa.Engine) -> Iterator[None]:
    """Another session holds tasks.tasks exclusively until the block ends: every read of it
    waits (the caller's replica rows stay readable)."""
    with admin_engine.connect() as connection, connection.begin():
        connection.execute(sa.text("SET LOCAL idle_in_transaction_session_timeout = '20s'"))
        connection.execute(sa.text("LOCK TABLE tasks.tasks IN ACCESS EXCLUSIVE MODE"))
        yield


def show_timeout(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(sa.text("SHOW statement_timeout")).scalar_one())


def invalidations(engine: sa.Engine) -> list[Any]:
    seen: list[Any] = []
    sa.event.listen(engine, "invalidate", lambda *args: seen.append(args))
    return seen


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/facets",
        "/suggest?q=report",
        "/{task}",
        "/{task}/subtasks",
    ],
)
def test_a_read_past_the_limit_is_a_503_problem_and_the_pool_stays_usable(
    limited: TasksRuntime, limited_client: FlaskClient, admin_engine, make_user, path: str
) -> None:
    ann = make_user("manager")
    created = limited_client.post(TASKS, json={"title": "Quarterly report"}, headers=ann.auth)
    assert created.status_code == 201
    url = TASKS + path.format(task=created.get_json()["id"])
    lost = invalidations(limited.read_engine)

    with tasks_locked(admin_engine):
        response = limited_client.get(url, headers=ann.auth)

    assert response.status_code == 503, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    body = response.get_json()
    assert body["type"] == "/problems/query-timeout"
    assert body["status"] == 503
    assert body["title"] == "Query Took Too Long"
    assert "canceling" not in response.get_data(as_text=True)  # the server's words: log only
    assert lost == []  # the cancelled statement's connection was kept, not replaced
    again = limited_client.get(url, headers=ann.auth)
    assert again.status_code == 200, again.get_json()


def test_only_the_api_s_read_pool_has_the_limit(limited: TasksRuntime, tasks_runtime) -> None:
    assert show_timeout(limited.read_engine) == f"{LIMIT_MS}ms"
    assert show_timeout(tasks_runtime.read_engine) == "5s"  # the default, 5000 ms
    # Writes (the unit of work, the relay, consumers) and jobs' reads (exports): none.
    for runtime in (limited, tasks_runtime):
        assert show_timeout(runtime.engine) == "0"
        assert show_timeout(runtime.jobs_read_engine) == "0"


def test_zero_means_no_limit(tasks_settings, token_keys) -> None:
    settings = tasks_settings.model_copy(update={"read_statement_timeout_ms": 0})
    runtime = build_runtime(
        settings, key_resolver=LocalKeyResolver(token_keys.jwks), denylist=InMemoryTokenDenylist()
    )
    try:
        assert show_timeout(runtime.read_engine) == "0"
    finally:
        runtime.dispose()
