"""The list's bulk bar, its facet counts and the search box's suggestions, in Chromium, with
and without JavaScript (issue 12)."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import WebStack
from tests.e2e.conftest import Client

PASSWORD = "amber-kettle-orbit-7413"


def _register(client: Client, username: str) -> dict[str, str]:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{username}@example.com",
            "username": username,
            "password": PASSWORD,
            "first_name": "Dora",
            "last_name": "Tester",
        },
    )
    assert response.status_code == 201, response.text
    login = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def _create(client: Client, auth: dict[str, str], **body: Any) -> dict[str, Any]:
    # The tasks replica learns of a new user by event: retry until it has.
    deadline = time.monotonic() + 20
    while True:
        response = client.post("/api/v1/tasks/", json=body, headers=auth)
        if response.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert response.status_code == 201, response.text
    return response.json()


def _task(client: Client, auth: dict[str, str], task_id: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/tasks/{task_id}", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def _context(browser: Browser, base_url: str, *, javascript: bool) -> BrowserContext:
    context = browser.new_context(
        base_url=base_url, java_script_enabled=javascript, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    return context


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))


@pytest.fixture(scope="module")
def dora(web_stack: WebStack) -> dict[str, Any]:
    client = web_stack.stack.client()
    username = f"dora{uuid.uuid4().hex[:8]}"
    auth = _register(client, username)
    word = f"quokka{uuid.uuid4().hex[:6]}"
    tasks = [
        _create(client, auth, title=f"{word} alpha", tags=[f"{word}-tag"]),
        _create(client, auth, title=f"{word} beta"),
        _create(client, auth, title=f"{word} gamma", status="in_progress"),
    ]
    return {"username": username, "auth": auth, "word": word, "tasks": tasks, "client": client}


@pytest.mark.parametrize("javascript", [True, False])
def test_facet_counts_and_a_bulk_change_from_the_list(
    web_stack: WebStack, browser: Browser, dora: dict[str, Any], javascript: bool
) -> None:
    client, auth, word = dora["client"], dora["auth"], dora["word"]
    alpha, beta, gamma = dora["tasks"]
    context = _context(browser, web_stack.base_url, javascript=javascript)
    page = context.new_page()
    _sign_in(page, dora["username"])
    page.goto(f"/tasks?q={word}")
    # One facets call counts every status (exact, no "100+" cap).
    expect(page.locator(".count[data-status=todo]")).to_have_text("2")
    expect(page.locator(".count[data-status=in_progress]")).to_have_text("1")
    expect(page.locator(".count[data-status=done]")).to_have_text("0")

    priority = "urgent" if javascript else "low"
    page.get_by_label(f"Select “{alpha['title']}”").check()
    page.get_by_label(f"Select “{beta['title']}”").check()
    if javascript:
        expect(page.locator(".bulk-count")).to_have_text("2 selected")
    page.get_by_label("With the selected tasks").select_option(f"priority:{priority}")
    page.get_by_role("button", name="Change selected").click()
    expect(page.get_by_role("status")).to_contain_text("done for 2 tasks")
    expect(page).to_have_url(re.compile(rf"/tasks\?q={word}$"))
    assert _task(client, auth, alpha["id"])["priority"] == priority
    assert _task(client, auth, beta["id"])["priority"] == priority
    assert _task(client, auth, gamma["id"])["priority"] == "medium"
    context.close()


def test_a_refused_bulk_changes_nothing_and_names_the_task(
    web_stack: WebStack, browser: Browser, dora: dict[str, Any]
) -> None:
    client, auth, word = dora["client"], dora["auth"], dora["word"]
    alpha, beta, gamma = dora["tasks"]
    versions = {t["id"]: _task(client, auth, t["id"])["version"] for t in (alpha, beta, gamma)}
    context = _context(browser, web_stack.base_url, javascript=True)
    page = context.new_page()
    _sign_in(page, dora["username"])
    page.goto(f"/tasks?q={word}")
    # "Select all", then a move only `gamma` (in progress) may make: todo → in review is not.
    page.get_by_label("Select all tasks on this page").check()
    expect(page.locator(".bulk-count")).to_have_text("3 selected")
    page.get_by_label("With the selected tasks").select_option("status:in_review")
    page.get_by_role("button", name="Change selected").click()
    alert = page.locator(".flash.error, [role=alert]").first
    expect(alert).to_contain_text("Nothing was changed")
    expect(alert).to_contain_text(word)
    for task_id, version in versions.items():
        assert _task(client, auth, task_id)["version"] == version
    context.close()


def test_the_search_box_suggests_titles_and_tags_and_works_without_them(
    web_stack: WebStack, browser: Browser, dora: dict[str, Any]
) -> None:
    word = dora["word"]
    context = _context(browser, web_stack.base_url, javascript=True)
    page = context.new_page()
    _sign_in(page, dora["username"])
    search = page.get_by_role("combobox", name="Search")
    search.press_sequentially(word[:-1], delay=20)  # a prefix: every title and the tag
    options = page.locator("#q-suggestions option")
    expect(options).to_have_count(4)
    values = options.evaluate_all("(all) => all.map((o) => o.value)")
    assert f"{word}-tag" in values
    assert f"{word} alpha" in values
    context.close()
    # Without JavaScript: no suggestions, and the search form still searches.
    plain = _context(browser, web_stack.base_url, javascript=False)
    page = plain.new_page()
    _sign_in(page, dora["username"])
    page.get_by_role("combobox", name="Search").fill(f"{word} beta")
    page.get_by_role("button", name="Apply", exact=True).click()
    expect(page.get_by_role("link", name=f"{word} beta")).to_be_visible()
    expect(page.locator("#q-suggestions option")).to_have_count(0)
    plain.close()
