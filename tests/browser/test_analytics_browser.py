"""Analytics pages in a real browser with JavaScript switched off (the charts are SVG drawn on
the server, reports refresh with a meta refresh), through the gateway of the running stack:
a member's dashboard shows figures and a chart with its text alternative; the team's page
draws velocity and, for a chosen parent task, the burndown of its subtasks; a report asked
for on the reports page reaches `done` and its link downloads the file."""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import WebStack, create_admin, shoot
from tests.e2e.conftest import Client

PASSWORD = "violet-harbour-quartz-5186"


def _eventually(check: Any, what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


def _login(client: Client, username: str) -> dict[str, str] | None:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    if response.status_code != 200:
        return None
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _register(client: Client, username: str) -> str:
    registered = client.post(
        "/api/v1/auth/register",
        json={
            "email": f"{username}@example.com",
            "username": username,
            "password": PASSWORD,
            "first_name": "Noor",
            "last_name": "Analyst",
        },
    )
    assert registered.status_code == 201, registered.text
    return str(registered.json()["user"]["id"])


def _sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))


def test_dashboard_team_charts_and_a_report_without_javascript(
    web_stack: WebStack, browser: Browser, screenshots: Path
) -> None:
    api = web_stack.stack.client()
    word = uuid.uuid4().hex[:8]
    admin_name, member_name = f"chief{word}", f"noor{word}"
    create_admin(web_stack, PASSWORD, admin_name)
    member_id = _register(api, member_name)
    admin = _eventually(lambda: _login(api, admin_name), "the admin signs in")
    member = _eventually(lambda: _login(api, member_name), "the member signs in")
    created = api.post("/api/v1/teams/", json={"name": f"Rockets {word}"}, headers=admin)
    assert created.status_code == 201, created.text
    team = created.json()
    _eventually(
        lambda: (
            api.post(
                f"/api/v1/teams/{team['id']}/members/", json={"user_id": member_id}, headers=admin
            ).status_code
            == 201
        ),
        "the admin adds the member (once their profile exists)",
    )

    def task(**body: Any) -> dict[str, Any] | None:
        answer = api.post("/api/v1/tasks/", json={"team_id": team["id"], **body}, headers=member)
        return answer.json() if answer.status_code == 201 else None

    parent = _eventually(lambda: task(title=f"Launch {word}"), "tasks know the membership")
    under = {"parent_task_id": parent["id"]}
    design = task(title=f"Design {word}", story_points=3, **under)
    assert task(title=f"Build {word}", story_points=5, **under)
    assert design
    moved = api.patch(f"/api/v1/tasks/{design['id']}", json={"status": "done"}, headers=member)
    assert moved.status_code == 200, moved.text

    def figures_arrived() -> bool:
        answer = api.get(
            f"/api/v1/analytics/teams/{team['id']}/",
            params={"parent": parent["id"]},
            headers=member,
        )
        body = answer.json() if answer.status_code == 200 else {}
        days = (body.get("burndown") or {}).get("days") or [{}]
        return body.get("throughput") == 1 and days[-1].get("remaining_story_points") == 5

    _eventually(figures_arrived, "the events reach the team's figures and burndown")

    context = browser.new_context(
        base_url=web_stack.base_url,
        viewport={"width": 1280, "height": 900},
        java_script_enabled=False,
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    _sign_in(page, member_name)

    # The dashboard: figures, and the chart as an image named by its heading, with a table.
    page.get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("list", name="Your figures")).to_contain_text("2 open")
    chart = page.get_by_role("img", name=re.compile("Created and completed per day"))
    expect(chart).to_be_visible()
    expect(chart.locator("desc")).to_contain_text("created and completed tasks")
    page.get_by_text("The chart's data as a table").click()
    expect(page.get_by_role("table", name="Tasks created and completed per day")).to_be_visible()

    # The team's page: its figures, velocity per week, and the burndown of the parent task.
    page.get_by_role("link", name="Teams").click()
    page.get_by_role("link", name=f"Rockets {word}").click()
    page.get_by_role("link", name="Analytics", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/teams/{team['id']}/analytics$"))
    figures = page.get_by_role("list", name="Team figures")
    expect(figures.locator('[data-stat="throughput"]')).to_have_text("1")
    expect(figures.locator('[data-stat="story_points_completed"]')).to_have_text("3")
    expect(figures.locator('[data-stat="open_load"]')).to_have_text("2")
    expect(page.get_by_role("img", name=re.compile("Velocity per week"))).to_be_visible()
    page.get_by_text("Velocity per week as a table").click()
    velocity = page.get_by_role("table", name="Story points and tasks completed per week")
    expect(velocity.locator("tbody tr").last.locator("td").first).to_have_text("3")
    page.get_by_label("Parent task", exact=True).select_option(label=f"Launch {word}")
    page.get_by_role("button", name="Show burndown").click()
    burndown = page.get_by_role("img", name=re.compile("Remaining subtasks per day"))
    expect(burndown).to_be_visible()
    expect(burndown.locator("polyline")).to_have_count(2)
    page.get_by_text("Remaining subtasks per day as a table").click()
    remaining = page.get_by_role("table", name="Remaining story points and subtasks per day")
    expect(remaining.locator("tbody tr").last.locator("td")).to_have_text(["5", "1"])
    shoot(page, screenshots, "team-analytics")

    # A report from the page: it refreshes itself until done, then its link downloads it.
    page.goto("/dashboard")
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Request a report").click()
    page.get_by_label("Team performance (a row per day)").check()
    page.get_by_label("Format").select_option("csv")
    page.get_by_role("combobox", name=re.compile("^Team")).select_option(label=f"Rockets {word}")
    page.get_by_role("button", name="Request report").click()
    expect(page).to_have_url(re.compile(r"/reports/[0-9a-f-]{36}$"))
    expect(page.locator("[data-report-status]")).to_have_text("done", timeout=45_000)
    with page.expect_download() as caught:
        page.get_by_role("link", name=re.compile("^Download")).click()
    lines = Path(caught.value.path()).read_text().splitlines()
    assert lines[0] == "date,created,completed"
    assert len(lines) == 31  # the default range: 30 days
    assert sum(int(line.split(",")[2]) for line in lines[1:]) == 1
    page.goto("/reports")
    expect(page.get_by_role("table", name="Your reports, newest first")).to_contain_text("done")
    shoot(page, screenshots, "reports")
    context.close()
