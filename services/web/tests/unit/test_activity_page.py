"""The activity page over a fake API: sentences linked to their tasks, the type filter, pages."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from services.web.tests.unit.test_app import TASK_ID, sign_in
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.bootstrap import build_app
from web_service.config import WebSettings


@pytest.fixture
def client(transport: FakeTransport) -> FlaskClient:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    transport.on("GET", "/api/v1/users/me", problem(404))
    app = build_app(
        WebSettings(trusted_proxies=1), transport=transport, store=InMemorySessionStore()
    )
    app.testing = True
    return app.test_client()


ITEM = {
    "id": "0194bbbb-0000-7000-8000-0000000000aa",
    "type": "tasks.task.assigned.v1",
    "time": "2026-12-07T10:00:00Z",
    "actor_id": None,
    "actor_name": "Ann",
    "task_id": TASK_ID,
    "team_id": None,
    "summary": "Ann assigned “Ship <release>” to Bo",
    "data": {},
}


def test_the_feed_lists_sentences_linked_to_their_tasks(
    client: FlaskClient, transport: FakeTransport
) -> None:
    seen: list[list[tuple[str, str]]] = []

    def feed(request):  # type: ignore[no-untyped-def]
        seen.append(list(request.params))
        return json_response(200, {"items": [ITEM], "next_cursor": "abc"})

    transport.on("GET", "/api/v1/activity/", feed)
    sign_in(client)
    page = client.get("/activity?type=tasks.task.assigned")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'href="/tasks/{TASK_ID}"' in html
    assert "Ship &lt;release&gt;" in html  # escaped
    assert 'rel="next"' in html
    assert ("type", "tasks.task.assigned") in seen[-1]
    client.get("/activity?type=<script>")
    assert all(name != "type" for name, _ in seen[-1])


def test_a_refused_cursor_starts_over(client: FlaskClient, transport: FakeTransport) -> None:
    transport.on("GET", "/api/v1/activity/", problem(422))
    sign_in(client)
    response = client.get("/activity?cursor=zzz")
    assert response.status_code == 302
    assert response.headers["Location"] == "/activity"
