"""Time tracking in a real browser, through the gateway of the running stack (ADR 0022): a
member starts a timer on their task's page, sees it in the header, stops it there, finds the
entry in their week, logs more time and submits the week; their team's manager approves it in
the team week; the member's week then shows locked. The member's browser runs no JavaScript."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.conftest import WebStack, create_admin, shoot
from tests.browser.helpers import PASSWORD, bearer, eventually, login, sign_in
from tests.e2e.conftest import Client


def _register(api: Client, username: str, first_name: str) -> str:
    response = api.post(
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
    return str(response.json()["user"]["id"])


def _context(browser: Browser, web_stack: WebStack, *, javascript: bool) -> BrowserContext:
    context = browser.new_context(
        base_url=web_stack.base_url,
        java_script_enabled=javascript,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(15_000)
    return context


def _nav(page: Page, name: str) -> Locator:
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True)


def _start_timer(page: Page, task_path: str) -> bool:
    """Start the timer on the task's page; False while time tracking does not know the task
    yet (it learns of new tasks from events, within moments)."""
    page.goto(task_path)
    page.get_by_role("button", name="Start timer").click()
    return page.locator(".header-timer").count() == 1


def test_a_timer_becomes_a_submitted_then_approved_week(
    web_stack: WebStack, browser: Browser, screenshots: Path
) -> None:
    api = web_stack.stack.client()
    word = uuid.uuid4().hex[:8]
    admin_name, boss_name, wes_name = f"root{word}", f"boss{word}", f"wes{word}"
    create_admin(web_stack, PASSWORD, admin_name)
    boss_id = _register(api, boss_name, "Mia")
    wes_id = _register(api, wes_name, "Wes")
    admin = bearer(eventually(lambda: login(api, admin_name), "the admin signs in"))

    def promoted() -> bool:
        answer = api.patch(f"/api/v1/users/{boss_id}", json={"role": "manager"}, headers=admin)
        return answer.status_code == 200

    eventually(promoted, "the admin promotes Mia (once her profile exists)")
    team = api.post("/api/v1/teams/", json={"name": f"Crew {word}"}, headers=admin)
    assert team.status_code == 201, team.text
    team_id = team.json()["id"]
    for user_id in (boss_id, wes_id):
        eventually(
            lambda user_id=user_id: (
                api.post(
                    f"/api/v1/teams/{team_id}/members/", json={"user_id": user_id}, headers=admin
                ).status_code
                == 201
            ),
            "a member joins the team",
        )
    eventually(lambda: login(api, boss_name)["user"]["role"] == "manager", "auth knows the manager")
    wes = bearer(login(api, wes_name))

    def filed() -> str | None:
        answer = api.post(
            "/api/v1/tasks/",
            json={"title": f"Invoice run {word}", "team_id": team_id, "assignee_ids": [wes_id]},
            headers=wes,
        )
        return str(answer.json()["id"]) if answer.status_code == 201 else None

    task_id = eventually(filed, "Wes files a task in his team (once tasks knows it)")
    title = f"Invoice run {word}"

    # Wes, without JavaScript (plain forms): timer from the task's page, seen and stopped in
    # the header.
    context = _context(browser, web_stack, javascript=False)
    page = context.new_page()
    sign_in(page, wes_name)
    eventually(lambda: _start_timer(page, f"/tasks/{task_id}"), "the timer starts", 90)
    header = page.locator(".header-timer")
    expect(header.get_by_role("link", name=title)).to_be_visible()
    expect(header.locator("time.timer-elapsed")).to_have_text(re.compile(r"^0:0\d$"))
    expect(page.locator("#time")).to_contain_text("Your timer runs on this task")
    _nav(page, "Tasks").click()
    expect(page.locator(".header-timer")).to_contain_text(title)  # on every page
    shoot(page, screenshots, "timer-header")
    header.get_by_role("button", name="Stop timer").click()
    expect(page.locator(".flash").first).to_contain_text(f"logged on “{title}”")
    expect(page.locator(".header-timer")).to_have_count(0)

    # Wes's week: the timer's entry, one more logged by hand, submitted.
    _nav(page, "Timesheet").click()
    expect(page.get_by_role("heading", name="My timesheet")).to_be_visible()
    entries = page.locator("table.entries")
    expect(entries.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(entries).to_contain_text("timer")
    page.get_by_label("Task", exact=True).select_option(label=title)
    page.get_by_label("Time spent").fill("1:30")
    page.get_by_label("Note").fill("reconciled")
    page.get_by_role("button", name="Log time").click()
    expect(page.locator(".flash").first).to_contain_text("Logged 1:30")
    grid = page.locator("table.timesheet")
    # 1:30 by hand, and the timer's entry: 0 minutes, or 1 if it was stopped in the next minute.
    worked = re.compile(r"^1:3[01]$")
    expect(grid.get_by_role("row", name=re.compile(title))).to_contain_text(re.compile(r"1:3[01]"))
    expect(page.locator("[data-week-worked]")).to_have_text(worked)
    week = page.get_by_label("Week", exact=True).input_value()
    page.get_by_role("button", name=f"Submit week {week}").click()
    expect(page.locator(".flash").first).to_contain_text(f"Week {week} submitted")
    expect(page.locator("[data-sheet-status]")).to_have_text("Submitted")
    shoot(page, screenshots, "timesheet")

    # Mia approves it in her team's week.
    boss_context = _context(browser, web_stack, javascript=True)
    boss = boss_context.new_page()
    sign_in(boss, boss_name)
    _nav(boss, "Team time").click()
    approve = boss.get_by_role("button", name="Approve the week of Wes Tester")

    def listed() -> bool:
        boss.reload()  # timetracking learns of the team's members from events
        return approve.count() == 1

    eventually(listed, "Wes's submitted week is on Mia's team page")
    row = boss.locator(f'tr[data-member="{wes_id}"]')
    expect(row).to_contain_text(re.compile(r"1:3[01]"))
    expect(row.locator("[data-sheet-status]")).to_have_text("Submitted")
    shoot(boss, screenshots, "team-week")
    approve.click()
    expect(boss.locator(".flash").first).to_contain_text(f"Week {week} of Wes Tester approved")
    expect(row.locator("[data-sheet-status]")).to_have_text("Approved")
    boss_context.close()

    # Wes's week is locked now.
    page.reload()
    expect(page.locator("[data-sheet-status]")).to_have_text("Approved")
    expect(page.locator("[data-locked]")).to_contain_text("This week is locked")
    expect(page.get_by_role("button", name="Log time")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("Submit week"))).to_have_count(0)
    context.close()
