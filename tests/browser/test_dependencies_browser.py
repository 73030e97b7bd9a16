"""Dependencies and the critical path in a real browser, through the gateway of the running
stack: add a blocker from the task's page, see what it forbids, have a cycle and a blocked
move explained, remove the blocker, read the critical path on the parent. Then the analytics
dashboard and a report, on the same stack."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import WebStack, shoot
from tests.e2e.conftest import Client

PASSWORD = "amber-kettle-orbit-7413"


def _register_and_login(client: Client, username: str) -> dict[str, str]:
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{username}@example.com",
            "username": username,
            "password": PASSWORD,
            "first_name": "Dana",
            "last_name": "Planner",
        },
    )
    assert registered.status_code == 201, registered.text
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _task(client: Client, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/v1/tasks/", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))


def test_dependencies_and_the_critical_path_on_the_task_pages(
    web_stack: WebStack, browser: Browser, screenshots: Path
) -> None:
    api = web_stack.stack.client()
    username = f"dana{uuid.uuid4().hex[:8]}"
    headers = _register_and_login(api, username)
    word = uuid.uuid4().hex[:6]
    parent = _task(api, headers, title=f"Launch {word}")
    under = {"parent_task_id": parent["id"]}
    design = _task(api, headers, title=f"Design {word}", estimated_hours="3", **under)
    build = _task(api, headers, title=f"Build {word}", estimated_hours="5", **under)
    docs = _task(api, headers, title=f"Docs {word}", **under)

    context = browser.new_context(
        base_url=web_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, username)

    # Build waits on Design: chosen from the menu on Build's page.
    page.goto(f"/tasks/{build['id']}")
    moves = page.get_by_role("group", name="Move to")
    expect(moves.get_by_role("button", name="In progress")).to_be_visible()
    page.get_by_label("Add a blocker").select_option(label=f"Design {word} (To do)")
    page.get_by_role("button", name="Add blocker").click()
    expect(page.get_by_role("status")).to_contain_text("Blocker added")
    blocked_by = page.get_by_role("list", name="Blocked by")
    expect(blocked_by.get_by_role("link", name=f"Design {word}")).to_be_visible()
    expect(page.locator("#blocked-note")).to_contain_text(f"Design {word}")
    # The page offers only the moves the API allows now: not starting, not finishing.
    expect(moves.get_by_role("button", name="In progress")).to_have_count(0)
    expect(moves.get_by_role("button", name="Done")).to_have_count(0)
    expect(moves.get_by_role("button", name="Blocked")).to_be_visible()
    shoot(page, screenshots, "task-dependencies")

    # Design now blocking Build, making Design wait on Build would be a circle: explained.
    page.goto(f"/tasks/{design['id']}")
    expect(page.get_by_role("list", name="Blocks")).to_contain_text(f"Build {word}")
    page.get_by_label("Add a blocker").select_option(label=f"Build {word} (To do)")
    page.get_by_role("button", name="Add blocker").click()
    alert = page.locator(".flash-error")
    expect(alert).to_contain_text("circle of tasks")
    expect(alert).to_contain_text(f"“Design {word}” is blocked by “Build {word}”")

    # Docs, opened while free, is blocked meanwhile (through the API): the stale move is
    # refused, and the latest version no longer offers it and says what blocks it.
    page.goto(f"/tasks/{docs['id']}")
    done_button = page.get_by_role("group", name="Move to").get_by_role("button", name="Done")
    expect(done_button).to_be_visible()
    linked = api.post(
        f"/api/v1/tasks/{docs['id']}/dependencies/",
        json={"blocked_by": build["id"]},
        headers=headers,
    )
    assert linked.status_code == 201, linked.text
    done_button.click()
    expect(page.locator(".flash-error")).to_contain_text("Someone changed this task meanwhile")
    expect(done_button).to_have_count(0)
    expect(page.locator("#blocked-note")).to_contain_text(f"Build {word}")

    # The parent shows its critical path: Design → Build → Docs, 8 hours, Docs unestimated.
    page.goto(f"/tasks/{parent['id']}")
    path = page.get_by_role("list", name="Critical path of the subtasks")
    expect(path.get_by_role("listitem")).to_have_text(
        [re.compile(f"Design {word}"), re.compile(f"Build {word}"), re.compile(f"Docs {word}")]
    )
    expect(page.locator("#dependencies")).to_contain_text("8.00 h")
    expect(page.locator(".missing-estimates")).to_contain_text(f"Docs {word}")
    shoot(page, screenshots, "task-critical-path")

    # Removing the blocker frees Build again.
    page.goto(f"/tasks/{build['id']}")
    page.get_by_role("button", name=f"Remove blocker Design {word}").click()
    expect(page.get_by_role("status")).to_contain_text("Blocker removed")
    expect(page.get_by_text("Nothing blocks this task.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Move to").get_by_role("button", name="In progress")
    ).to_be_visible()
    history = page.locator("#history")
    expect(history).to_contain_text("dependency removed")
    expect(history.get_by_role("link", name=f"Design {word}").first).to_be_visible()
    context.close()


# The analytics dashboard shares this module's stack (one boot): a task done through the API
# reaches the dashboard via the events (tasks-relay → RabbitMQ → analytics-consumer), drawn as an
# SVG chart with its table; a report is generated by the analytics worker and downloaded through
# its signed link.
def _eventually(check: Any, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_the_dashboard_shows_figures_fed_by_events_and_a_report_downloads(
    web_stack: WebStack, browser: Browser, screenshots: Path
) -> None:
    api: Client = web_stack.stack.client()
    username = f"erin{uuid.uuid4().hex[:8]}"
    headers = _register_and_login(api, username)
    for title in ("Plan", "Build", "Ship"):
        created = api.post("/api/v1/tasks/", json={"title": title}, headers=headers)
        assert created.status_code == 201, created.text
    done = created.json()
    moved = api.patch(f"/api/v1/tasks/{done['id']}", json={"status": "done"}, headers=headers)
    assert moved.status_code == 200, moved.text

    def figures() -> dict[str, Any] | None:
        body = api.get("/api/v1/analytics/dashboard/", headers=headers).json()
        return body if body.get("done_last_7_days") == 1 and body.get("open") == 2 else None

    assert _eventually(figures), "the events never reached the analytics read model"

    context = browser.new_context(
        base_url=web_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, username)
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("list", name="Your figures")).to_contain_text("2 open")
    chart = page.get_by_role("img", name=re.compile("Created and completed per day"))
    expect(chart).to_be_visible()
    page.get_by_text("The chart's data as a table").click()
    table = page.get_by_role("table", name="Tasks created and completed per day")
    expect(table).to_be_visible()
    shoot(page, screenshots, "dashboard")
    context.close()

    asked = api.post(
        "/api/v1/analytics/reports/", json={"kind": "tasks", "format": "csv"}, headers=headers
    )
    assert asked.status_code == 202, asked.text
    location = asked.headers["Location"]
    path = location[location.index("/api/") :]

    def finished() -> dict[str, Any] | None:
        report = api.get(path, headers=headers).json()
        return report if report["status"] in ("done", "failed") else None

    report = _eventually(finished, 30.0)
    assert report is not None, "the report never finished"
    assert report["status"] == "done", report
    link = report["download_url"]
    download = api.get(link[link.index("/api/") :])
    assert download.status_code == 200
    assert download.text.splitlines()[0].startswith("id,title,status")
    assert len(download.text.splitlines()) == 4
    assert PASSWORD not in download.text
