"""Browser tests: Debian's Chromium, driven by Playwright, through the gateway of the running
stack (`taskhive-stack` as `make stack` starts it, on a throwaway database and vhost)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from taskhive_infra.stack import BIN, StackConfig, service_env
from tests.e2e.conftest import Stack, running_stack

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("TASKHIVE_CHROMIUM", "/usr/bin/chromium")
# A fixed secret, so that the tests can also speak to the gateway as the web service does.
WEB_SECRET = "browser-tests-web-secret-0123456789"
# Without these, Chromium keeps trying to reach Google's services from this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@dataclass(frozen=True)
class WebStack:
    stack: Stack
    web_secret: str

    @property
    def base_url(self) -> str:
        return self.stack.base_url


SIGN_IN_LIMIT = 30
"""Per browser address and minute: every module signs in from 127.0.0.1 on the one stack."""


@pytest.fixture(scope="package")
def web_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebStack]:
    """One stack for every module of tests/browser (a boot of eight services costs minutes)."""
    env = {"WEB_GATEWAY_SECRET": WEB_SECRET, "GATEWAY_AUTH_RATE_LIMIT": str(SIGN_IN_LIMIT)}
    with running_stack(tmp_path_factory, env) as stack:
        yield WebStack(dataclasses.replace(stack, auth_rate_limit=SIGN_IN_LIMIT), WEB_SECRET)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = shutil.which(CHROMIUM) or CHROMIUM
    if not Path(chromium).is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's")
    launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the page screenshots go: artifacts/screenshots (gitignored) unless
    TASKHIVE_SCREENSHOTS_DIR says otherwise (docs/screenshots refreshes the README's)."""
    folder = Path(os.environ.get("TASKHIVE_SCREENSHOTS_DIR", ROOT / "artifacts" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def create_admin(web_stack: WebStack, password: str, username: str) -> None:
    """An admin account made the way operators make one (`auth-service create-admin`)."""
    env = service_env(StackConfig.from_env(web_stack.stack.env), web_stack.stack.env)
    env["TASKHIVE_ADMIN_PASSWORD"] = password
    subprocess.run(
        [
            str(BIN / "auth-service"),
            "create-admin",
            "--email",
            f"{username}@example.com",
            "--username",
            username,
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
