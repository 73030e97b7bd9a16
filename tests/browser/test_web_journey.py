"""The web UI in a real browser, through the gateway of the running stack.

One long journey (a stack start costs more than its steps), then the security refusals:
a second user cannot see a private task, cross-site and token-less POSTs are refused, and
the gateway counts sign-in attempts per browser, not per web process.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import WebStack, shoot
from tests.e2e.conftest import Client

PASSWORD = "amber-kettle-orbit-7413"
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _api_login(client: Client, username: str) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _api_register(client: Client, username: str, first_name: str) -> None:
    response = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{username}@example.com",
            "username": username,
            "password": PASSWORD,
            "first_name": first_name,
            "last_name": "Tester",
        },
    )
    assert response.status_code == 201, response.text


def _new_context(browser: Browser, base_url: str, *, javascript: bool = True) -> BrowserContext:
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
def people(web_stack: WebStack) -> dict[str, str]:
    """Bob and Carol exist from the start (registered through the API, not the pages)."""
    client = web_stack.stack.client()
    suffix = uuid.uuid4().hex[:8]
    names = {"bob": f"bob{suffix}", "carol": f"carol{suffix}", "ann": f"ann{suffix}"}
    _api_register(client, names["bob"], "Bob")
    _api_register(client, names["carol"], "Carol")
    return names


def test_the_whole_journey(
    web_stack: WebStack, browser: Browser, people: dict[str, str], screenshots: Path
) -> None:
    api = web_stack.stack.client()
    ann, bob = people["ann"], people["bob"]
    context = _new_context(browser, web_stack.base_url)
    page = context.new_page()
    # Archiving asks for confirmation (progressive enhancement): say yes.
    page.on("dialog", lambda dialog: dialog.accept())

    # Register: the account is signed in at once and lands on its (empty) task list.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    shoot(page, screenshots, "sign-in")
    page.get_by_role("link", name="Create an account").first.click()
    page.get_by_label("Email").fill(f"{ann}@example.com")
    page.get_by_label("Username").fill(ann)
    page.get_by_label("First name").fill("Ann")
    page.get_by_label("Last name").fill("Walker")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create the account").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    # Sign out and in again: the session cookie is opaque and HttpOnly.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    _sign_in(page, ann)
    cookie = next(c for c in context.cookies() if c["name"] == "taskhive_session")
    assert cookie["httpOnly"]
    assert cookie["sameSite"] == "Lax"
    assert "." not in cookie["value"]  # no signed payload: an id only

    # Create a task; a server-side validation error first, shown next to its field.
    word = f"zephyr{uuid.uuid4().hex[:6]}"
    title = f"Prepare the {word} launch"
    page.get_by_role("link", name="New task").first.click()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Estimated hours").fill("a lot")
    page.get_by_role("button", name="Create task").click()
    expect(page.locator("#estimated_hours-error")).to_contain_text("number of hours")
    expect(page.get_by_label("Estimated hours")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Estimated hours").fill("3.5")
    page.get_by_label("Description").fill(f"Everything the {word} launch needs.")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Due").fill("2030-01-15T09:30")
    page.get_by_label("Tags").fill("launch, browser")
    page.get_by_role("button", name="Create task").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    task_id = page.url.rsplit("/", 1)[1]
    uuid.UUID(task_id)

    # Filter and search for it.
    page.get_by_role("link", name="Tasks", exact=True).first.click()
    page.get_by_role("combobox", name="Search").fill(word)
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    expect(page.locator(".count[data-status=todo]")).to_have_text("1")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Assignee").select_option("me")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=title)).to_have_count(0)  # nobody assigned yet
    page.get_by_label("Assignee").select_option("")
    page.get_by_label("Tag").fill("launch")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name=title)).to_be_visible()
    page.get_by_label("Status", exact=True).select_option("done")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("No task matches")).to_be_visible()
    page.get_by_role("link", name="Clear", exact=True).click()
    shoot(page, screenshots, "task-list")

    # Open it, comment, edit the comment.
    page.get_by_role("link", name=title).click()
    page.get_by_label("Add a comment").fill("First draft of the plan is ready.")
    page.get_by_role("button", name="Post comment").click()
    comments = page.locator("#comments")
    expect(comments).to_contain_text("First draft of the plan is ready.")
    comments.get_by_role("link", name="Edit").click()
    page.get_by_label("Comment", exact=True).fill("Second draft of the plan is ready.")
    page.get_by_role("button", name="Save comment").click()
    expect(comments).to_contain_text("Second draft of the plan is ready.")
    expect(comments).to_contain_text("edited")
    page.get_by_label("Add a comment").fill("A comment posted by mistake.")
    page.get_by_role("button", name="Post comment").click()
    expect(comments.locator("article")).to_have_count(2)
    comments.locator("article").nth(1).get_by_role("button", name="Delete").click()
    expect(comments.locator("article")).to_have_count(1)
    expect(comments).not_to_contain_text("posted by mistake")

    # Assign a second user (retried while Bob's account travels to the tasks service).
    people_box = page.locator("#people")
    deadline = time.monotonic() + 20
    while True:
        page.get_by_label("Assign someone (username)").fill(bob)
        page.get_by_role("button", name="Assign", exact=True).click()
        if people_box.get_by_text("Bob Tester").count() or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    expect(people_box.get_by_role("link", name="Bob Tester")).to_be_visible()

    # Change the status with one of the offered moves only.
    moves = page.locator(".status-actions button")
    expect(moves).to_have_text(["In progress", "Blocked", "Done", "Cancelled"])
    page.get_by_role("button", name="In progress").click()
    expect(page.locator("dl.fields .badge.status-in_progress")).to_have_text("In progress")
    expect(moves).to_have_text(["To do", "In review", "Blocked", "Done", "Cancelled"])

    # The history tells the story.
    history = page.locator("#history")
    expect(history).to_contain_text("status changed")
    expect(history).to_contain_text("To do → In progress")
    expect(history).to_contain_text("assigned")
    expect(history).to_contain_text("created")
    shoot(page, screenshots, "task-detail")

    # A stale edit: someone saves first; our save is refused and explained, not overwritten.
    page.get_by_role("link", name="Edit", exact=True).first.click()
    page.get_by_label("Title").fill(f"{title} (my rename)")
    headers = _api_login(api, ann)
    current = api.get(f"/api/v1/tasks/{task_id}", headers=headers)
    renamed = api.patch(
        f"/api/v1/tasks/{task_id}",
        json={"title": f"{title} (their rename)"},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    assert renamed.status_code == 200, renamed.text
    page.get_by_role("button", name="Save changes").click()
    conflict = page.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("not saved")
    expect(conflict).to_contain_text("(their rename)")
    expect(page.get_by_label("Title")).to_have_value(f"{title} (my rename)")
    shoot(page, screenshots, "edit-conflict")
    after = api.get(f"/api/v1/tasks/{task_id}", headers=headers).json()
    assert after["title"] == f"{title} (their rename)"
    page.get_by_role("link", name="discard your changes").click()

    # Archive and restore.
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_text("This task is archived")).to_be_visible()
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_text("This task is archived")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("Task restored")

    # The other main pages, for the README.
    page.get_by_role("link", name="New task").first.click()
    shoot(page, screenshots, "task-form")
    page.get_by_role("link", name="People").click()
    expect(page.get_by_role("link", name="Bob Tester")).to_be_visible()
    shoot(page, screenshots, "people")
    page.get_by_role("link", name="Ann Walker").first.click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    page.get_by_label("A daily summary of my tasks").check()
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    expect(page.get_by_label("A daily summary of my tasks")).to_be_checked()
    shoot(page, screenshots, "profile")

    # Sign out: the old cookie is worth nothing afterwards.
    old_cookie = next(c for c in context.cookies() if c["name"] == "taskhive_session")["value"]
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("status")).to_contain_text("You have signed out")
    page.goto("/tasks")
    expect(page).to_have_url(re.compile(r"/login\?next=/tasks$"))
    replay = requests.get(
        f"{web_stack.base_url}/tasks",
        cookies={"taskhive_session": old_cookie},
        allow_redirects=False,
        timeout=10,
    )
    assert replay.status_code == 302
    assert "/login" in replay.headers["Location"]
    context.close()


def test_another_user_cannot_see_a_private_task(
    web_stack: WebStack, browser: Browser, people: dict[str, str]
) -> None:
    api = web_stack.stack.client()
    carol_headers = _api_login(api, people["carol"])
    created = api.post(
        "/api/v1/tasks/", json={"title": "Carol's private notes"}, headers=carol_headers
    )
    assert created.status_code == 201, created.text
    private_id = created.json()["id"]

    # Bob browses without JavaScript: every page must work that way too.
    context = _new_context(browser, web_stack.base_url, javascript=False)
    page = context.new_page()
    _sign_in(page, people["bob"])
    expect(page.get_by_text("Carol's private notes")).to_have_count(0)
    response = page.goto(f"/tasks/{private_id}")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    response = page.goto("/tasks/not-a-task-id")
    assert response is not None
    assert response.status == 404
    context.close()


def _signed_in_requests(web_stack: WebStack, username: str) -> tuple[Client, str]:
    """A plain HTTP client with a web session, and the session's CSRF token."""
    client = web_stack.stack.client()
    login_page = client.get("/login")
    token = CSRF_INPUT.search(login_page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token[1]},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    page = client.get("/tasks/new")
    token = CSRF_INPUT.search(page.text)
    assert token is not None
    return client, token[1]


def test_cross_site_and_token_less_posts_are_refused(
    web_stack: WebStack, browser: Browser, people: dict[str, str]
) -> None:
    client, token = _signed_in_requests(web_stack, people["carol"])
    form = {"title": "Made by the CSRF test", "priority": "low", "csrf_token": token}
    counted = {"title": "Made by the CSRF test"}

    def titles() -> list[Any]:
        listed = client.get("/tasks", params={"q": "CSRF"})
        # The task links only (the bulk form also names each row in a checkbox label).
        return re.findall(r'class="task-title"[^>]*>(Made by the CSRF test)<', listed.text)

    # Without the token, with a wrong one, and with the right one but from another site.
    refused = [
        client.post("/tasks/new", data={**form, "csrf_token": ""}),
        client.post("/tasks/new", data={**form, "csrf_token": token[::-1]}),
        client.post("/tasks/new", data=form, headers={"Origin": "http://evil.example"}),
        client.post("/tasks/new", data=form, headers={"Sec-Fetch-Site": "cross-site"}),
    ]
    for response in refused:
        assert response.status_code == 403, response.text
        assert "Form refused" in response.text
    assert titles() == []

    # A real cross-site form in the browser, carrying Carol's cookie if the browser would.
    context = _new_context(browser, web_stack.base_url)
    page = context.new_page()
    _sign_in(page, people["carol"])
    evil = (
        f'<form method="post" action="{web_stack.base_url}/tasks/new">'
        '<input name="title" value="Made by the CSRF test">'
        f'<input name="csrf_token" value="{token}"><button>Win a prize</button></form>'
    )
    page.route(
        "http://evil.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body=evil),
    )
    page.goto("http://evil.example/prize")
    with page.expect_navigation():
        page.get_by_role("button", name="Win a prize").click()
    expect(page.get_by_role("heading", name="Form refused")).to_be_visible()
    assert titles() == []

    # The same form from our own page goes through: the refusals above were the checks.
    accepted = client.post("/tasks/new", data=form, allow_redirects=False)
    assert accepted.status_code == 302, accepted.text
    assert titles() == [counted["title"]]
    context.close()


def test_the_gateway_counts_each_browser_not_the_web_service(web_stack: WebStack) -> None:
    limit = web_stack.stack.auth_rate_limit

    def failed_sign_in(client: Client) -> requests.Response:
        page = client.get("/login")
        token = CSRF_INPUT.search(page.text)
        assert token is not None
        return client.post(
            "/login",
            data={"username": "nobody-at-all", "password": "wrong-pass", "csrf_token": token[1]},
        )

    first = web_stack.stack.client()
    statuses = [failed_sign_in(first).status_code for _ in range(limit + 1)]
    assert statuses == [401] * limit + [429]
    assert "Too many sign-in attempts" in failed_sign_in(first).text
    # Another browser is not throttled by the first one's attempts through the same web process.
    second = web_stack.stack.client()
    assert failed_sign_in(second).status_code == 401


def test_only_the_web_service_may_name_a_client_address(web_stack: WebStack) -> None:
    limit = web_stack.stack.auth_rate_limit
    body = {"username": "nobody-at-all", "password": "wrong-pass"}

    def attempts(client: Client, secret: str, addresses: list[str]) -> list[int]:
        return [
            client.post(
                "/api/v1/auth/login",
                json=body,
                headers={"X-Internal-Web-Secret": secret, "X-Internal-Client-IP": address},
            ).status_code
            for address in addresses
        ]

    vouched = attempts(
        web_stack.stack.internal_client(),
        web_stack.web_secret,
        [f"10.9.0.{n}" for n in range(limit + 2)],
    )
    assert 429 not in vouched
    forged = attempts(
        web_stack.stack.internal_client(),
        "a-guessed-secret",
        [f"10.8.0.{n}" for n in range(limit + 1)],
    )
    assert forged[-1] == 429
    # Even the right secret is not believed on the public listener (a leaked or default one
    # is no use from outside).
    leaked = attempts(
        web_stack.stack.client(), web_stack.web_secret, [f"10.7.0.{n}" for n in range(limit + 1)]
    )
    assert leaked[-1] == 429


def test_an_expired_access_token_is_refreshed_once_for_concurrent_pages(
    web_stack: WebStack, people: dict[str, str]
) -> None:
    """Six pages of one browser find the access token expired at once: one refresh happens,
    every page renders, and the sign-in survives (a refresh token used twice would revoke it)."""
    import hashlib
    import json
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from tests.e2e.conftest import REDIS_URL

    client, _ = _signed_in_requests(web_stack, people["bob"])
    cookie = client.session.cookies["taskhive_session"]
    store = redis.Redis.from_url(REDIS_URL)
    key = "web:session:" + hashlib.sha256(cookie.encode()).hexdigest()

    def expire_access_token() -> str:
        raw = store.get(key)
        assert raw is not None, "the session is not in Redis"
        session = json.loads(raw)
        session["tokens"]["access_expires_at"] = 0
        store.set(key, json.dumps(session), keepttl=True)
        return str(session["tokens"]["refresh_token"])

    spent = expire_access_token()
    with ThreadPoolExecutor(max_workers=6) as pool:
        pages = list(pool.map(lambda _: client.get("/tasks", allow_redirects=False), range(6)))
    assert [page.status_code for page in pages] == [200] * 6
    stored = json.loads(store.get(key) or b"{}")
    assert stored["tokens"]["refresh_token"] != spent
    assert stored["tokens"]["access_expires_at"] > time.time()
    # Still signed in afterwards, and again after a second expiry: the family was not revoked.
    expire_access_token()
    assert client.get("/tasks", allow_redirects=False).status_code == 200
    assert client.get("/profile", allow_redirects=False).status_code == 200
