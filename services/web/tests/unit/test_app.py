"""The Flask app over a fake API: sessions, CSRF, headers, errors as pages, the forms."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from taskhive_shared.observability.tracing import configure_tracing
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.bootstrap import build_app
from web_service.config import WebSettings

TASK_ID = "0194bbbb-0000-7000-8000-000000000001"
ME = token_body()["user"]["id"]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def task(**overrides: Any) -> dict[str, Any]:
    return {
        "id": TASK_ID,
        "title": "Ship release",
        "description": "",
        "status": "todo",
        "priority": "high",
        "due_date": None,
        "estimated_hours": None,
        "actual_hours": None,
        "created_by": ME,
        "team_id": None,
        "parent_task_id": None,
        "tags": ["ops"],
        "assignee_ids": [],
        "assignees": [],
        "is_archived": False,
        "archived_at": None,
        "is_overdue": False,
        "created_at": "2026-11-24T09:30:00+00:00",
        "updated_at": "2026-11-24T09:30:00+00:00",
        "version": 3,
        "score": 25,
        "allowed_transitions": ["blocked", "cancelled", "done", "in_progress"],
        **overrides,
    }


FACETS = {
    "total": 160,
    "status": {"todo": 150, "in_progress": 7, "in_review": 0, "blocked": 1, "done": 2},
    "priority": {},
    "tags": [],
    "assignees": [],
    "overdue": 0,
}


@pytest.fixture
def app(transport: FakeTransport) -> Flask:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    transport.on("GET", "/api/v1/users/me", problem(404))
    transport.on("GET", "/api/v1/users/", json_response(200, {"items": [], "next_cursor": None}))
    transport.on("GET", "/api/v1/teams/", json_response(200, {"items": [], "next_cursor": None}))
    transport.on(
        "GET", "/api/v1/tasks/", json_response(200, {"items": [task()], "next_cursor": None})
    )
    transport.on("GET", f"/api/v1/tasks/{TASK_ID}", json_response(200, task()))
    transport.on("GET", "/api/v1/tasks/facets/", json_response(200, FACETS))
    app = build_app(
        WebSettings(trusted_proxies=1), transport=transport, store=InMemorySessionStore()
    )
    app.testing = True
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(client: FlaskClient, path: str = "/login") -> str:
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found is not None
    return found[1]


def sign_in(client: FlaskClient) -> None:
    response = client.post(
        "/login", data={"username": "ann", "password": "pw", "csrf_token": csrf(client)}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_pages_need_a_sign_in(client: FlaskClient) -> None:
    response = client.get("/tasks?status=done")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/tasks?status%3Ddone"


def test_the_session_cookie_is_opaque_httponly_and_samesite(client: FlaskClient) -> None:
    sign_in(client)
    cookie = client.get_cookie("taskhive_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"
    assert "access" not in cookie.value


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script anywhere
    assert 'style="' not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}],
)
def test_posts_without_a_valid_token_or_from_elsewhere_are_refused(
    client: FlaskClient, transport: FakeTransport, headers: dict[str, str]
) -> None:
    token = csrf(client)
    data = {"username": "ann", "password": "pw", "csrf_token": "" if not headers else token}
    response = client.post("/login", data=data, headers=headers)
    assert response.status_code == 403
    assert "Form refused" in response.get_data(as_text=True)
    assert transport.paths("POST") == []


def test_same_origin_posts_pass(client: FlaskClient) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={"username": "ann", "password": "pw", "csrf_token": token},
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302


def test_next_is_never_an_open_redirect(client: FlaskClient) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={"username": "ann", "password": "pw", "csrf_token": token, "next": "//evil.example"},
    )
    assert response.headers["Location"] == "/tasks"


def test_a_next_with_a_line_break_is_ignored_not_a_500(client: FlaskClient) -> None:
    token = csrf(client)
    response = client.post(
        "/login",
        data={
            "username": "ann",
            "password": "pw",
            "csrf_token": token,
            "next": "/x\r\nSet-Cookie: a=b",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_a_filter_the_api_refuses_does_not_redirect_to_itself(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    transport.on("GET", "/api/v1/tasks/", problem(422, "Unprocessable Content"))
    response = client.get("/tasks?status=todo")
    assert response.status_code == 302
    assert response.headers["Location"] == "/tasks"


def test_the_browser_cookie_is_renewed_with_the_session(transport: FakeTransport) -> None:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    transport.on("GET", "/api/v1/users/me", problem(404))
    now = [1_000_000.0]
    app = build_app(
        WebSettings(trusted_proxies=1),
        transport=transport,
        store=InMemorySessionStore(clock=lambda: now[0]),
        clock=lambda: now[0],
    )
    client = app.test_client()
    sign_in(client)
    assert "taskhive_session=" not in client.get("/login").headers.get("Set-Cookie", "")
    now[0] += 600  # past the touch interval: the stored expiry moves, and so must the cookie's
    renewed = client.get("/login").headers.get("Set-Cookie", "")
    assert "taskhive_session=" in renewed
    assert "Max-Age=" in renewed


def test_a_wrong_password_is_explained(client: FlaskClient, transport: FakeTransport) -> None:
    transport.on("POST", "/api/v1/auth/login", problem(401, "Unauthorized"))
    response = client.post(
        "/login", data={"username": "ann", "password": "bad", "csrf_token": csrf(client)}
    )
    assert response.status_code == 401
    assert "username or password is not right" in response.get_data(as_text=True)


def test_the_browser_address_travels_to_the_api(
    client: FlaskClient, transport: FakeTransport
) -> None:
    token = csrf(client)
    client.post(
        "/login",
        data={"username": "ann", "password": "pw", "csrf_token": token},
        headers={"X-Forwarded-For": "203.0.113.9"},
    )
    login = next(r for r in transport.sent if r.path == "/api/v1/auth/login")
    assert login.client_ip == "203.0.113.9"


def test_the_list_and_the_detail_render(client: FlaskClient, transport: FakeTransport) -> None:
    sign_in(client)
    listed = client.get("/tasks?q=ship&priority=high")
    assert listed.status_code == 200
    assert "Ship release" in listed.get_data(as_text=True)
    query = next(
        r for r in transport.sent if r.path == "/api/v1/tasks/" and ("q", "ship") in r.params
    )
    assert ("priority", "high") in query.params
    detail_parts(transport)
    detail = client.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    # Exactly the moves the API allows.
    for label in ("In progress", "Blocked", "Done", "Cancelled"):
        assert f">{label}</button>" in detail
    assert ">In review</button>" not in detail


def detail_parts(transport: FakeTransport, **dependencies: list[dict[str, Any]]) -> None:
    """The reads of a task's page besides the task itself."""
    for path in ("comments", "history", "subtasks"):
        transport.on(
            "GET",
            f"/api/v1/tasks/{TASK_ID}/{path}",
            json_response(200, {"items": [], "next_cursor": None}),
        )
    transport.on(
        "GET",
        f"/api/v1/tasks/{TASK_ID}/dependencies",
        json_response(200, {"blocked_by": [], "blocks": []} | dependencies),
    )


BLOCKER_ID = "0194bbbb-0000-7000-8000-000000000002"


def test_the_page_draws_the_apis_moves_not_a_copy_of_the_workflow(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    blocker = {"id": BLOCKER_ID, "title": "Pour concrete", "status": "todo", "is_open": True}
    detail_parts(transport, blocked_by=[blocker])
    transport.on(
        "GET",
        f"/api/v1/tasks/{TASK_ID}",
        json_response(200, task(allowed_transitions=["blocked", "cancelled"])),
    )
    page = client.get(f"/tasks/{TASK_ID}").get_data(as_text=True)
    assert ">Blocked</button>" in page
    assert ">Cancelled</button>" in page
    assert ">In progress</button>" not in page
    assert ">Done</button>" not in page
    assert "Blocked by 1 open task(s)" in page
    assert "Pour concrete" in page


def test_a_move_refused_by_open_blockers_is_explained(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    detail_parts(transport)
    token = csrf(client, f"/tasks/{TASK_ID}")
    transport.on(
        "PATCH",
        f"/api/v1/tasks/{TASK_ID}",
        problem(
            409,
            "Conflict",
            type="/problems/blocked-by-open-tasks",
            detail="The task cannot move.",
            blockers=[{"id": BLOCKER_ID, "title": "Pour concrete", "status": "todo"}],
            hidden_blockers=1,
        ),
    )
    moved = client.post(
        f"/tasks/{TASK_ID}/status",
        data={"csrf_token": token, "status": "done", "version": "3"},
        follow_redirects=True,
    )
    text = moved.get_data(as_text=True)
    assert "only once “Pour concrete”, 1 task(s) you cannot see are done" in text


def test_a_blocker_that_would_close_a_cycle_is_explained_by_title(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    detail_parts(transport)
    token = csrf(client, f"/tasks/{TASK_ID}")
    transport.on(
        "POST",
        f"/api/v1/tasks/{TASK_ID}/dependencies",
        problem(
            409,
            "Conflict",
            type="/problems/dependency-cycle",
            cycle=[TASK_ID, BLOCKER_ID, TASK_ID],
        ),
    )
    transport.on(
        "GET",
        f"/api/v1/tasks/{BLOCKER_ID}",
        json_response(200, task(id=BLOCKER_ID, title="Pour concrete")),
    )
    added = client.post(
        f"/tasks/{TASK_ID}/dependencies",
        data={"csrf_token": token, "blocked_by": BLOCKER_ID},
        follow_redirects=True,
    )
    text = added.get_data(as_text=True)
    assert "circle of tasks" in text
    assert "“Ship release” is blocked by “Pour concrete” is blocked by “Ship release”" in text


@pytest.mark.parametrize(
    ("api_answer", "status", "text"),
    [
        (problem(404, "Not Found"), 404, "Page not found"),
        (problem(403, "Forbidden"), 403, "Not allowed"),
        (problem(500, "Internal Server Error"), 503, "Temporarily unavailable"),
    ],
)
def test_api_errors_become_pages(
    client: FlaskClient, transport: FakeTransport, api_answer: Any, status: int, text: str
) -> None:
    sign_in(client)
    transport.on("GET", f"/api/v1/tasks/{TASK_ID}", api_answer)
    response = client.get(f"/tasks/{TASK_ID}")
    assert response.status_code == status
    assert text in response.get_data(as_text=True)


def test_an_unreachable_api_is_a_503_page(client: FlaskClient, transport: FakeTransport) -> None:
    sign_in(client)
    transport.down = True
    response = client.get("/tasks")
    assert response.status_code == 503


def test_bad_ids_and_unknown_paths_are_404_pages(client: FlaskClient) -> None:
    sign_in(client)
    assert client.get("/tasks/not-an-id").status_code == 404
    assert client.get("/nowhere").status_code == 404


def test_a_stale_edit_is_explained_not_saved(client: FlaskClient, transport: FakeTransport) -> None:
    sign_in(client)
    token = csrf(client, f"/tasks/{TASK_ID}/edit")
    transport.on("PATCH", f"/api/v1/tasks/{TASK_ID}", problem(412, "Precondition Failed"))
    transport.on(
        "GET", f"/api/v1/tasks/{TASK_ID}", json_response(200, task(title="Theirs", version=4))
    )
    response = client.post(
        f"/tasks/{TASK_ID}/edit",
        data={"csrf_token": token, "version": "3", "title": "Mine", "priority": "high"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "not saved" in page
    assert "Theirs" in page
    assert 'value="Mine"' in page
    assert 'name="version" value="4"' in page  # saving again is a deliberate overwrite
    patch = next(r for r in transport.sent if r.method == "PATCH")
    assert patch.headers["If-Match"] == '"v3"'


def test_validation_errors_are_shown_next_to_their_fields(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    transport.on(
        "GET", "/api/v1/task-templates/", json_response(200, {"items": [], "next_cursor": None})
    )
    token = csrf(client, "/tasks/new")
    transport.on(
        "POST",
        "/api/v1/tasks/",
        problem(422, "Unprocessable Content", errors={"title": ["Must not be empty."]}),
    )
    response = client.post("/tasks/new", data={"csrf_token": token, "title": "T" * 300})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="title-error"' in page
    assert "Must not be empty." in page
    assert 'aria-describedby="title-error"' in page


def test_a_task_is_created_from_a_template(client: FlaskClient, transport: FakeTransport) -> None:
    template_id = "0194cccc-0000-7000-8000-000000000001"
    transport.on(
        "GET",
        f"/api/v1/task-templates/{template_id}",
        json_response(
            200,
            {
                "id": template_id,
                "name": "Onboarding",
                "title": "Onboard {name}",
                "priority": "medium",
                "variables": ["name"],
            },
        ),
    )
    transport.on(
        "POST",
        f"/api/v1/task-templates/{template_id}/instantiate",
        json_response(201, task(title="Onboard Ann")),
    )
    sign_in(client)
    form_page = client.get(f"/tasks/new/template/{template_id}").get_data(as_text=True)
    assert 'name="var_name"' in form_page
    token = TOKEN.search(form_page)
    assert token is not None
    response = client.post(
        f"/tasks/new/template/{template_id}",
        data={
            "csrf_token": token[1],
            "var_name": "Ann",
            "priority": "high",
            "idempotency_key": "a" * 32,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{TASK_ID}"
    sent = next(r for r in transport.sent if r.path.endswith("/instantiate"))
    assert sent.json == {"variables": {"name": "Ann"}, "priority": "high"}
    assert sent.headers["Idempotency-Key"] == "a" * 32


def test_keyset_pages_link_forward_and_back(client: FlaskClient, transport: FakeTransport) -> None:
    sign_in(client)
    transport.on(
        "GET", "/api/v1/tasks/", json_response(200, {"items": [task()], "next_cursor": "c2"})
    )
    first = client.get("/tasks?priority=high").get_data(as_text=True)
    assert 'rel="next" href="/tasks?priority=high&amp;cursor=c2&amp;trail=-"' in first
    assert 'rel="prev"' not in first
    second = client.get("/tasks?priority=high&cursor=c2&trail=-").get_data(as_text=True)
    assert 'rel="prev" href="/tasks?priority=high"' in second
    listed = [
        r for r in transport.sent if r.path == "/api/v1/tasks/" and ("cursor", "c2") in r.params
    ]
    assert listed, "the cursor was not passed on to the API"


def test_the_status_counts_are_one_facets_call_with_the_other_filters(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    page = client.get("/tasks?q=ship&status=done&priority=high").get_data(as_text=True)
    assert '<span class="count" data-status="todo">150</span>' in page
    assert '<span class="count" data-status="cancelled">0</span>' in page
    calls = [r for r in transport.sent if r.path == "/api/v1/tasks/facets/"]
    assert len(calls) == 1
    assert sorted(calls[0].params) == [("priority", "high"), ("q", "ship")]
    assert [r for r in transport.sent if r.path == "/api/v1/tasks/"] != []


def test_a_bulk_action_sends_one_operation_per_selected_task(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    token = csrf(client, "/tasks")
    other = "0189aaaa-0000-7000-8000-000000000001"
    transport.on("POST", "/api/v1/tasks/bulk/", json_response(200, {"items": []}))
    response = client.post(
        "/tasks/bulk",
        data={
            "csrf_token": token,
            "action": "priority:urgent",
            "ids": [TASK_ID, other, "not-an-id", TASK_ID],
            "next": "/tasks?q=ship",
        },
    )
    assert response.status_code == 303 or response.status_code == 302
    assert response.headers["Location"] == "/tasks?q=ship"
    sent = next(r for r in transport.sent if r.path == "/api/v1/tasks/bulk/")
    assert sent.json == {
        "operations": [
            {"id": TASK_ID, "op": "update", "values": {"priority": "urgent"}},
            {"id": other, "op": "update", "values": {"priority": "urgent"}},
        ]
    }


def test_a_refused_bulk_names_the_task_and_an_unknown_action_sends_nothing(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    token = csrf(client, "/tasks")
    transport.on(
        "POST",
        "/api/v1/tasks/bulk/",
        problem(
            409,
            "Conflict",
            errors={"operations.0": ["409 /problems/task-archived: The task is archived."]},
        ),
    )
    refused = client.post(
        "/tasks/bulk",
        data={
            "csrf_token": token,
            "action": "assign:me",
            "ids": [TASK_ID],
            f"title-{TASK_ID}": "Ship release",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Nothing was changed: “Ship release” refused it. The task is archived." in refused
    before = len(transport.paths("POST"))
    client.post("/tasks/bulk", data={"csrf_token": token, "action": "explode", "ids": [TASK_ID]})
    client.post("/tasks/bulk", data={"csrf_token": token, "action": "archive"})
    assert len(transport.paths("POST")) == before


def test_api_keys_are_created_shown_once_and_revoked(
    client: FlaskClient, transport: FakeTransport
) -> None:
    key_id = "0195dddd-0000-7000-8000-000000000001"
    listed = {
        "id": key_id,
        "name": "ci",
        "prefix": "th_abcdefg",
        "scopes": ["tasks:read"],
        "expires_at": "2027-01-01T00:00:00+00:00",
        "revoked_at": None,
        "last_used_at": None,
    }
    transport.on(
        "GET", "/api/v1/auth/api-keys", json_response(200, {"items": [listed], "next_cursor": None})
    )
    transport.on(
        "POST", "/api/v1/auth/api-keys", json_response(201, {**listed, "key": "th_abcdefgSECRET"})
    )
    transport.on("DELETE", f"/api/v1/auth/api-keys/{key_id}", json_response(204, None))
    sign_in(client)
    token = csrf(client, "/api-keys")
    created = client.post(
        "/api-keys",
        data={
            "csrf_token": token,
            "name": "ci",
            "scopes": ["tasks:read", "bogus"],
            "expires_in_days": "30",
        },
    )
    assert created.status_code == 201
    assert "th_abcdefgSECRET" in created.get_data(as_text=True)
    assert created.headers["Cache-Control"] == "no-store"
    sent = next(r for r in transport.sent if r.method == "POST" and r.path.endswith("api-keys"))
    assert sent.json == {"name": "ci", "scopes": ["tasks:read"], "expires_in_days": 30}
    again = client.get("/api-keys").get_data(as_text=True)
    assert "th_abcdefgSECRET" not in again
    assert "th_abcdefg…" in again
    revoked = client.post(f"/api-keys/{key_id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 302
    assert f"/api/v1/auth/api-keys/{key_id}" in transport.paths("DELETE")


def test_a_refused_key_is_explained_next_to_its_field(
    client: FlaskClient, transport: FakeTransport
) -> None:
    transport.on(
        "GET", "/api/v1/auth/api-keys", json_response(200, {"items": [], "next_cursor": None})
    )
    transport.on(
        "POST",
        "/api/v1/auth/api-keys",
        problem(
            422, "Unprocessable Content", errors={"scopes": ["At least one scope is required."]}
        ),
    )
    sign_in(client)
    response = client.post("/api-keys", data={"csrf_token": csrf(client, "/api-keys"), "name": "x"})
    assert response.status_code == 422
    assert "At least one scope is required." in response.get_data(as_text=True)


def test_pages_are_counted_per_route_in_the_metrics(client: FlaskClient) -> None:
    sign_in(client)
    for _ in range(2):
        assert client.get("/tasks").status_code == 200
    scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert "set-cookie" not in scraped.headers
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(scraped.get_data(as_text=True))
        for sample in family.samples
    }
    detail = {"service": "web", "method": "GET", "route": "/tasks"}
    assert (
        samples[
            ("taskhive_http_requests_total", tuple(sorted({**detail, "status": "200"}.items())))
        ]
        >= 2
    )
    assert (
        samples[("taskhive_http_request_duration_seconds_count", tuple(sorted(detail.items())))]
        >= 2
    )


def test_the_api_calls_of_a_page_continue_its_trace(
    client: FlaskClient, transport: FakeTransport
) -> None:
    configure_tracing("web")  # what process_settings does in a real process
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    sign_in(client)
    transport.sent.clear()
    client.get("/tasks", headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"})
    detail = next(r for r in transport.sent if r.path == "/api/v1/tasks/")
    assert detail.traceparent is not None
    version, trace_id, span_id, _flags = detail.traceparent.split("-")
    assert (version, trace_id) == ("00", caller_trace)
    assert span_id != "00f067aa0ba902b7"  # the page's own span is the parent
