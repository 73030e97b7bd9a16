"""Automation in a real browser, through the gateway of the running stack (ADR 0020): an admin
(made with `auth-service create-admin`, as an operator would) promotes a member to manager;
the manager creates an SLA policy on the automation page and sees the SLA badge and due times
on a task of that priority, in the list and on the task's page."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import Browser, expect

from tests.browser.conftest import WebStack, create_admin, shoot
from tests.browser.helpers import PASSWORD, bearer, eventually, login, sign_in


def test_a_manager_creates_an_sla_policy_and_sees_the_badge(
    web_stack: WebStack, browser: Browser, screenshots: Path
) -> None:
    api = web_stack.stack.client()
    word = uuid.uuid4().hex[:8]
    admin_name, boss_name = f"root{word}", f"boss{word}"
    create_admin(web_stack, PASSWORD, admin_name)
    registered = api.post(
        "/api/v1/auth/register",
        json={
            "email": f"{boss_name}@example.com",
            "username": boss_name,
            "password": PASSWORD,
            "first_name": "Mia",
            "last_name": "Boss",
        },
    )
    assert registered.status_code == 201, registered.text
    boss_id = registered.json()["user"]["id"]
    admin = bearer(eventually(lambda: login(api, admin_name), "the admin signs in"))

    def promoted() -> bool:
        answer = api.patch(f"/api/v1/users/{boss_id}", json={"role": "manager"}, headers=admin)
        return answer.status_code == 200

    eventually(promoted, "the admin promotes the member (once their profile exists)")
    # Auth learns the new role from users.user.updated.v1: the next sign-in carries it.
    eventually(lambda: login(api, boss_name)["user"]["role"] == "manager", "auth knows the manager")

    context = browser.new_context(
        base_url=web_stack.base_url, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, boss_name)
    page.get_by_role("link", name="Automation").click()
    page.get_by_role("link", name="New SLA policy").click()
    page.get_by_label("Name").fill(f"Urgent {word}")
    page.get_by_label("Urgent").check()
    page.get_by_label("Respond within").fill("4")
    page.get_by_label("Resolve within").fill("16")
    page.get_by_role("button", name="Save SLA policy").click()
    expect(page.locator(".flash").first).to_contain_text("SLA policy created")
    expect(page.get_by_role("link", name=f"Urgent {word}")).to_be_visible()
    shoot(page, screenshots, "automation")

    page.goto("/tasks/new")
    page.get_by_label("Title").fill(f"Outage {word}")
    page.get_by_label("Priority").select_option("urgent")
    page.get_by_role("button", name=re.compile("Create")).click()
    expect(page).to_have_url(re.compile(r"/tasks/[0-9a-f-]{36}$"))
    expect(page.locator('[data-sla="on_track"]')).to_have_text("SLA on track")
    expect(page.get_by_text("Resolve by")).to_be_visible()
    page.goto(f"/tasks?q={word}")
    expect(page.locator('[data-sla="on_track"]')).to_have_count(1)
    shoot(page, screenshots, "task-list-sla")
    context.close()
