"""Helpers the browser modules share: one password for every account they register, signing
in through the API and through the login page, and waiting for the platform's events to land
(a role reaches auth, a team reaches tasks, only after their consumers ran)."""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Client

PASSWORD = "copper-lantern-meadow-2958"


def login(client: Client, username: str) -> dict[str, Any]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['access_token']}"}


def eventually(check: Any, what: str, timeout: float = 30.0) -> Any:
    """`check()`'s first truthy answer, polled until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/tasks$"))
