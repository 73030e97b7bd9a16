"""Live updates: `GET /live` relays the user's API stream with the session's token (which the
page never sees), and `page_events` turns it into what the page's script reads (ADR 0023)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.web.tests.unit.fakes import (
    FakeStream,
    FakeTransport,
    json_response,
    problem,
    token_body,
)
from services.web.tests.unit.test_app import FACETS, TASK_ID, sign_in, task
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.application.live import page_events
from web_service.bootstrap import build_app
from web_service.config import WebSettings

CREATED = b'id: 7\nevent: tasks.task.created.v1\ndata: {"type":"tasks.task.created.v1"}\n\n'
TEAM = b'id: 8\nevent: users.team.created.v1\ndata: {"type":"users.team.created.v1"}\n\n'


def _app(transport: FakeTransport, slots: int = 2) -> Flask:
    transport.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    transport.on("POST", "/api/v1/auth/refresh", json_response(200, token_body("2")))
    transport.on("GET", "/api/v1/users/me", problem(404))
    transport.on("GET", "/api/v1/users/", json_response(200, {"items": [], "next_cursor": None}))
    transport.on("GET", "/api/v1/teams/", json_response(200, {"items": [], "next_cursor": None}))
    transport.on(
        "GET", "/api/v1/tasks/", json_response(200, {"items": [task()], "next_cursor": None})
    )
    transport.on("GET", "/api/v1/tasks/facets/", json_response(200, FACETS))
    app = build_app(
        WebSettings(trusted_proxies=1, live_max_streams=slots),
        transport=transport,
        store=InMemorySessionStore(),
    )
    app.testing = True
    return app


@pytest.fixture
def client(transport: FakeTransport) -> FlaskClient:
    return _app(transport).test_client()


def test_the_page_gets_task_events_as_messages_and_only_the_id_of_others() -> None:
    heartbeat = b": heartbeat\n\n"
    # Split anywhere: an event arrives whole however the bytes were cut.
    stream = b"retry: 2000\n\n" + CREATED + TEAM + heartbeat
    chunks = [stream[i : i + 5] for i in range(0, len(stream), 5)]
    out = b"".join(page_events(chunks))
    assert out == (
        b'retry: 2000\n\nid: 7\ndata: {"type":"tasks.task.created.v1"}\n\nid: 8\n\n' + heartbeat
    )


def test_a_runaway_event_ends_the_relay() -> None:
    out = list(page_events([CREATED, b"data: " + b"x" * (1 << 20), CREATED]))
    assert out == [CREATED.replace(b"event: tasks.task.created.v1\n", b"")]


def test_signed_out_the_stream_says_stop(client: FlaskClient, transport: FakeTransport) -> None:
    response = client.get("/live")
    assert response.status_code == 204  # EventSource does not reconnect after a 204
    assert transport.opened == []


def test_the_stream_is_relayed_with_the_sessions_token_and_resumes(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    upstream = FakeStream(200, [b"retry: 2000\n\n", CREATED, TEAM])
    transport.streams.append(upstream)
    response = client.get("/live", headers={"Last-Event-ID": "6"})
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert b'id: 7\ndata: {"type":"tasks.task.created.v1"}\n\n' in body
    assert b"users.team" not in body
    sent = transport.sent[-1]
    assert (sent.path, sent.token) == ("/api/v1/stream", "access-1")
    assert sent.headers == {"Last-Event-ID": "6"}
    response.close()
    assert upstream.closed


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 19, "7 8", "٣"])
def test_a_last_event_id_the_api_would_refuse_is_not_passed_on(
    client: FlaskClient, transport: FakeTransport, value: str
) -> None:
    sign_in(client)
    transport.streams.append(FakeStream(200, [CREATED]))
    client.get("/live", headers={"Last-Event-ID": value}).close()
    assert transport.sent[-1].headers == {}


def test_a_refused_token_is_refreshed_once(client: FlaskClient, transport: FakeTransport) -> None:
    sign_in(client)
    refused = FakeStream(401)
    transport.streams += [refused, FakeStream(200, [CREATED])]
    response = client.get("/live")
    assert response.status_code == 200
    assert refused.closed
    assert [r.token for r in transport.sent if r.path == "/api/v1/stream"] == [
        "access-1",
        "access-2",
    ]
    response.close()


def test_a_sign_in_that_is_gone_stops_the_page_following(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    transport.on("POST", "/api/v1/auth/refresh", problem(401))
    transport.streams += [FakeStream(401)]
    assert client.get("/live").status_code == 204


def test_slots_are_bounded_and_given_back(transport: FakeTransport) -> None:
    client = _app(transport, slots=1).test_client()
    sign_in(client)
    transport.streams += [FakeStream(200, [CREATED]), FakeStream(200, [CREATED])]
    first = client.get("/live")
    assert first.status_code == 200
    full = client.get("/live")
    assert full.status_code == 503
    assert full.headers["Retry-After"] == "60"
    first.close()  # the page went away: its slot is free again
    again = client.get("/live")
    assert again.status_code == 200
    again.close()


@pytest.mark.parametrize(("upstream", "expected"), [(503, 503), (403, 204), (None, 503)])
def test_an_api_that_cannot_stream_frees_the_slot(
    transport: FakeTransport, upstream: int | None, expected: int
) -> None:
    client = _app(transport, slots=1).test_client()
    sign_in(client)
    if upstream is None:
        transport.down = True
    else:
        transport.streams.append(FakeStream(upstream))
    assert client.get("/live").status_code == expected
    transport.down = False
    transport.streams.append(FakeStream(200, [CREATED]))
    client.get("/live").close()
    assert transport.opened[-1].closed


def test_without_live_slots_there_is_no_stream(transport: FakeTransport) -> None:
    client = _app(transport, slots=0).test_client()
    sign_in(client)
    assert client.get("/live").status_code == 503


def test_the_list_and_detail_mark_their_live_region(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    html = client.get("/tasks").get_data(as_text=True)
    assert 'data-live="list"' in html
    assert 'data-live-url="/live"' in html
    assert 'data-live-note aria-live="polite"' in html
    assert "access-1" not in html  # the token never reaches the page


def test_a_live_refresh_keeps_the_messages_for_the_next_page(
    client: FlaskClient, transport: FakeTransport
) -> None:
    sign_in(client)
    calls: list[str] = []

    def facets(request):  # type: ignore[no-untyped-def]
        calls.append(request.path)
        return json_response(200, FACETS)

    transport.on("GET", "/api/v1/tasks/facets/", facets)
    client.get("/tasks").close()
    # A flash waiting for the next page (as after a form) is not taken by a live refresh.
    transport.on("POST", f"/api/v1/tasks/{TASK_ID}/restore", json_response(200, task()))
    token = _csrf(client)
    client.post(f"/tasks/{TASK_ID}/restore", data={"csrf_token": token})
    live = client.get("/tasks", headers={"X-Live-Refresh": "1"}).get_data(as_text=True)
    assert "Task restored." not in live
    page = client.get("/tasks").get_data(as_text=True)
    assert "Task restored." in page
    # The status counts are recounted for a live refresh (someone else's change).
    before = len(calls)
    client.get("/tasks", headers={"X-Live-Refresh": "1"}).close()
    assert len(calls) == before + 1


def _csrf(client: FlaskClient) -> str:
    from services.web.tests.unit.test_app import csrf

    return csrf(client, "/tasks")


def test_the_in_process_transport_streams_without_buffering() -> None:
    from web_service.adapters.wsgi_transport import WsgiTransport
    from web_service.application.ports import ApiRequest

    produced: list[str] = []
    closed: list[bool] = []

    class Body:
        def __iter__(self):  # type: ignore[no-untyped-def]
            for part in (b"retry: 2000\n\n", CREATED):
                produced.append("chunk")
                yield part

        def close(self) -> None:
            closed.append(True)

    def router(environ, start_response):  # type: ignore[no-untyped-def]
        assert environ["HTTP_AUTHORIZATION"] == "Bearer tok"
        assert environ["HTTP_LAST_EVENT_ID"] == "3"
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        return Body()

    stream = WsgiTransport(lambda: router).stream(
        ApiRequest("GET", "/api/v1/stream", token="tok", headers={"Last-Event-ID": "3"})
    )
    assert stream.status == 200
    chunks = stream.chunks()
    assert next(chunks) == b"retry: 2000\n\n"
    assert produced == ["chunk"]  # the second part is not read before it is asked for
    stream.close()
    assert closed == [True]
