"""Live updates in Chromium (issue 16): with the task list and a task's page open, changes made
through the API by someone else appear without a reload, selection and typed text kept."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import WebStack
from tests.e2e.conftest import Client

PASSWORD = "amber-kettle-orbit-7413"
LIVE = 15_000
"""ms for a change to reach an open page: the event's path (outbox relay, RabbitMQ, hooks
consumer, stream, web relay) plus the page's fetch, on a loaded machine."""


SLOT_WAIT_S = 60.0
"""Two heartbeats (15 s each) free a slot whose page is gone; a margin for a busy machine."""


def _register(client: Client, username: str, first_name: str) -> tuple[dict[str, str], str]:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{username}@example.com",
            "username": username,
            "password": PASSWORD,
            "first_name": first_name,
            "last_name": "Live",
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['access_token']}"}, body["user"]["id"]


def _retry(call: Any, expected: int) -> Any:
    # The tasks replica learns of a new user by event: retry until it has.
    deadline = time.monotonic() + 30
    while True:
        response = call()
        if response.status_code == expected or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == expected, response.text
    return response.json()


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))


def _following(page: Page) -> None:
    """The page's stream is open (app.js marks it), so no change can slip in before it.

    The pages of this package's earlier tests may still hold the web process's relay slots:
    a slot comes free when a heartbeat finds its page gone (ADR 0023), and a page refused one
    works without updates. So the page is reloaded until it gets a slot."""
    opened = page.locator("html[data-live-state=open]")
    deadline = time.monotonic() + SLOT_WAIT_S
    while True:
        try:
            expect(opened).to_have_count(1, timeout=5_000)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()
    page.evaluate("window.liveMarker = 'not reloaded'")


@pytest.fixture(scope="module")
def people(web_stack: WebStack) -> dict[str, Any]:
    client = web_stack.stack.client()
    suffix = uuid.uuid4().hex[:8]
    ann_auth, _ = _register(client, f"ann{suffix}", "Ann")
    bo_auth, bo_id = _register(client, f"bo{suffix}", "Bo")
    word = f"wombat{suffix}"
    task = _retry(
        lambda: client.post("/api/v1/tasks/", json={"title": f"{word} one"}, headers=ann_auth),
        201,
    )
    _retry(
        lambda: client.post(
            f"/api/v1/tasks/{task['id']}/assign", json={"user_ids": [bo_id]}, headers=ann_auth
        ),
        200,
    )
    return {
        "client": client,
        "ann": f"ann{suffix}",
        "ann_auth": ann_auth,
        "bo_auth": bo_auth,
        "word": word,
        "task": task,
    }


def test_the_list_and_the_task_page_follow_changes_made_elsewhere(
    web_stack: WebStack, browser: Browser, people: dict[str, Any]
) -> None:
    client, word, task = people["client"], people["word"], people["task"]
    context = browser.new_context(
        base_url=web_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    listing = context.new_page()
    _sign_in(listing, people["ann"])
    listing.goto(f"/tasks?q={word}")
    expect(listing.get_by_role("link", name=f"{word} one")).to_be_visible()
    detail = context.new_page()
    detail.goto(f"/tasks/{task['id']}")
    _following(listing)
    _following(detail)
    # What the user has going on in the list: a selected row and a search not yet sent.
    listing.get_by_label(f"Select “{word} one”").check()
    listing.locator("#q").fill(f"{word} draft")

    # Bo (an assignee) renames it and starts it, through the API.
    current = client.get(f"/api/v1/tasks/{task['id']}", headers=people["bo_auth"])
    renamed = client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"title": f"{word} renamed", "status": "in_progress"},
        headers={**people["bo_auth"], "If-Match": current.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text

    row = listing.locator(f"tr[data-task-id='{task['id']}']")
    expect(row.get_by_role("link", name=f"{word} renamed")).to_be_visible(timeout=LIVE)
    expect(row).to_contain_text("In progress")
    expect(
        listing.locator("[data-live-note]").filter(has_text="The list was updated")
    ).to_be_visible()
    expect(listing.get_by_label(f"Select “{word} renamed”")).to_be_checked()
    expect(listing.locator("#q")).to_have_value(f"{word} draft")

    expect(detail.locator("#task-title")).to_have_text(f"{word} renamed", timeout=LIVE)
    expect(
        detail.locator("[data-live-note]").filter(has_text="This task was updated by Bo Live")
    ).to_be_visible()

    # A new task of Ann's that matches the search appears in the open list.
    _retry(
        lambda: client.post(
            "/api/v1/tasks/", json={"title": f"{word} two"}, headers=people["ann_auth"]
        ),
        201,
    )
    expect(listing.get_by_role("link", name=f"{word} two")).to_be_visible(timeout=LIVE)

    # Neither page was reloaded.
    assert listing.evaluate("window.liveMarker") == "not reloaded"
    assert detail.evaluate("window.liveMarker") == "not reloaded"
    context.close()


def test_typed_text_on_the_task_page_is_not_swept_away(
    web_stack: WebStack, browser: Browser, people: dict[str, Any]
) -> None:
    client, task = people["client"], people["task"]
    context = browser.new_context(base_url=web_stack.base_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, people["ann"])
    page.goto(f"/tasks/{task['id']}")
    _following(page)
    page.get_by_label("Add a comment").fill("half a thought")
    commented = client.post(
        f"/api/v1/tasks/{task['id']}/comments", json={"body": "from Bo"}, headers=people["bo_auth"]
    )
    assert commented.status_code == 201, commented.text
    offer = page.get_by_role("button", name="Show the changes")
    expect(offer).to_be_visible(timeout=LIVE)
    expect(page.get_by_label("Add a comment")).to_have_value("half a thought")
    offer.click()
    expect(page.locator("#comments")).to_contain_text("from Bo")
    expect(page.get_by_label("Add a comment")).to_have_value("half a thought")
    context.close()
