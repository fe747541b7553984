"""Browser tests: Playwright drives Debian's Chromium (`/usr/bin/chromium`; Playwright's own
browser download cannot work here) against a real stack, the simulators and jirasync on
127.0.0.1. Without Chromium these tests fail, saying how to install it. Screenshots go to
`test-artifacts/ui/`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, BrowserType, Page, Playwright, expect, sync_playwright
from pydantic import SecretStr

from jirasync.access.accounts import create_account
from jirasync.devstack import Stack, running_stack
from jirasync.store.models import AccountRole

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts" / "ui"
T = TypeVar("T")
PASSWORDS = {"ada": "ada-admin-password", "vic": "vic-viewer-password"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.is_file():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install -y chromium chromium-driver; ./dev test installs it)",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


# pytest-playwright starts Playwright once per session; its synchronous API keeps an event
# loop running in the main thread while it lives, so every later test that calls asyncio.run()
# would fail. These module-scoped versions stop it when the browser tests are done.
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    started = sync_playwright().start()
    yield started
    started.stop()


@pytest.fixture(scope="module")
def browser_context_args() -> dict[str, Any]:
    """No device emulation, base URL or video: the tests name full URLs."""
    return {}


@pytest.fixture(scope="module")
def browser_type(playwright: Playwright, browser_name: str) -> BrowserType:
    chosen: BrowserType = getattr(playwright, browser_name)
    return chosen


@pytest.fixture(scope="module")
def launch_browser(
    browser_type_launch_args: dict[str, Any], browser_type: BrowserType
) -> Callable[..., Browser]:
    return lambda **options: browser_type.launch(**{**browser_type_launch_args, **options})


@pytest.fixture(scope="module")
def browser(launch_browser: Callable[..., Browser]) -> Iterator[Browser]:
    launched = launch_browser()
    yield launched
    launched.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """One stack per module, with an admin (ada) and a viewer (vic)."""
    with running_stack(tmp_path_factory.mktemp("stack")) as running:

        async def accounts(db: Any, _: Any) -> None:
            await create_account(db, "ada", SecretStr(PASSWORDS["ada"]), AccountRole.ADMIN)
            await create_account(db, "vic", SecretStr(PASSWORDS["vic"]), AccountRole.VIEWER)

        beside(lambda: running.on_store(accounts))
        yield running


def beside(work: Callable[[], T]) -> T:
    """Run `work` in another thread: the Stack's helpers start event loops of their own, which
    the thread running Playwright's synchronous API (a loop of its own) cannot."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def sign_in(page: Page, stack: Stack, username: str) -> None:
    page.goto(f"{stack.jirasync_url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
