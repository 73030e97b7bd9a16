"""The pages' live script (app.js) in Chromium against the web app over a fake API (the
transport port): an event swaps the live region without a reload, the selection, typed text
and focus kept; while the user types, the change is offered instead. The same over the real
stack: tests/browser/test_live_browser.py."""

from __future__ import annotations

import json
import queue
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from services.web.tests.unit.fakes import FakeTransport, json_response, problem, token_body
from services.web.tests.unit.test_app import FACETS, TASK_ID, detail_parts, task
from web_service.adapters.memory_store import InMemorySessionStore
from web_service.application.ports import ApiRequest
from web_service.bootstrap import build_app
from web_service.config import WebSettings

CHROMIUM = "/usr/bin/chromium"
BO = "0193aaaa-0000-7000-8000-0000000000b0"


class Api(FakeTransport):
    """The fake API with a stream that sends what the test publishes, to every open page."""

    def __init__(self) -> None:
        super().__init__()
        self.title = "Ship release"
        self.listeners: list[queue.Queue[bytes]] = []

    def publish(self, event_type: str, **data: Any) -> None:
        body = json.dumps({"type": event_type, "data": {"task_id": TASK_ID, **data}})
        for listener in list(self.listeners):
            listener.put(f"id: 1\nevent: {event_type}\ndata: {body}\n\n".encode())

    def stream(self, request: ApiRequest) -> Any:
        self.sent.append(request)
        api = self

        class Live:
            status = 200

            def chunks(self) -> Iterator[bytes]:
                mine: queue.Queue[bytes] = queue.Queue()
                api.listeners.append(mine)
                yield b"retry: 2000\n\n"
                while True:
                    try:
                        yield mine.get(timeout=2)
                    except queue.Empty:
                        yield b": heartbeat\n\n"

            def close(self) -> None:
                pass

        return Live()


@pytest.fixture
def api() -> Api:
    api = Api()
    api.on("POST", "/api/v1/auth/login", json_response(200, token_body()))
    api.on("GET", "/api/v1/users/me", problem(404))
    person = {"id": BO, "username": "bo", "first_name": "Bo", "last_name": "Live"}
    people = {"items": [person | {"display_name": "Bo Live"}], "next_cursor": None}
    api.on("GET", "/api/v1/users/", json_response(200, people))
    api.on("GET", "/api/v1/teams/", json_response(200, {"items": [], "next_cursor": None}))
    api.on("GET", "/api/v1/tasks/facets/", json_response(200, FACETS))
    api.on(
        "GET",
        "/api/v1/tasks/",
        lambda _r: json_response(200, {"items": [task(title=api.title)], "next_cursor": None}),
    )
    detail_parts(api)
    api.on("GET", f"/api/v1/tasks/{TASK_ID}", lambda _r: json_response(200, task(title=api.title)))
    entry = {"id": "h1", "action": "updated", "actor_id": BO, "at": "2026-12-07T10:00:00Z"}
    api.on(
        "GET",
        f"/api/v1/tasks/{TASK_ID}/history",
        lambda _r: json_response(200, {"items": [entry], "next_cursor": None}),
    )
    return api


@pytest.fixture
def page(api: Api) -> Iterator[Page]:
    if not Path(shutil.which(CHROMIUM) or CHROMIUM).is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's")
    app = build_app(WebSettings(trusted_proxies=0), transport=api, store=InMemorySessionStore())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(base_url=f"http://127.0.0.1:{server.server_port}")
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.get_by_label("Username or email").fill("ann")
        page.get_by_label("Password").fill("pw")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/tasks")
        yield page
        browser.close()
    server.shutdown()


def _following(page: Page) -> None:
    expect(page.locator("html[data-live-state=open]")).to_have_count(1)
    page.evaluate("window.liveMarker = 'not reloaded'")


def test_the_list_swaps_its_rows_and_keeps_what_the_user_was_doing(page: Page, api: Api) -> None:
    _following(page)
    page.get_by_label("Select “Ship release”").check()
    page.locator("#q").fill("draft")
    api.title = "Ship it now"
    api.publish("tasks.task.updated.v1", title="Ship it now", actor_id=BO)
    expect(page.get_by_role("link", name="Ship it now")).to_be_visible()
    expect(page.get_by_label("Select “Ship it now”")).to_be_checked()
    expect(page.locator(".bulk-count")).to_have_text("1 selected")  # the bar works again
    expect(page.locator("#q")).to_have_value("draft")
    expect(page.locator("[data-live-note]")).to_contain_text("The list was updated")
    assert page.evaluate("window.liveMarker") == "not reloaded"


def test_the_task_page_offers_a_change_while_the_user_types(page: Page, api: Api) -> None:
    page.goto(f"/tasks/{TASK_ID}")
    _following(page)
    api.title = "Ship it later"
    api.publish("tasks.task.updated.v1", title="Ship it later", actor_id=BO)
    expect(page.locator("#task-title")).to_have_text("Ship it later")
    expect(page.locator("[data-live-note]")).to_contain_text("This task was updated by Bo Live")

    page.get_by_label("Add a comment").fill("half a thought")
    api.title = "Ship it never"
    api.publish("tasks.task.commented.v1", actor_id=BO)
    offer = page.get_by_role("button", name="Show the changes")
    expect(offer).to_be_visible()
    expect(page.locator("#task-title")).to_have_text("Ship it later")
    offer.click()
    expect(page.locator("#task-title")).to_have_text("Ship it never")
    expect(page.get_by_label("Add a comment")).to_have_value("half a thought")
    assert page.evaluate("window.liveMarker") == "not reloaded"
