"""Fixtures for browser tests: Debian's Chromium via Playwright, one context per test, artifacts."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from app.config import PROJECT_ROOT
from tests.browser.chromium import ChromiumUnavailableError, launch_chromium
from tests.e2e.gunicorn_server import GunicornServer, start_gunicorn

ARTIFACTS_DIR = PROJECT_ROOT / "test-artifacts" / "browser"
# Generous: two cores shared with other test runs; a real failure still ends in seconds.
ACTION_TIMEOUT_MS = 15_000
_LOOPBACK = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/")
_reports = pytest.StashKey[dict[str, pytest.TestReport]]()

expect.set_options(timeout=ACTION_TIMEOUT_MS)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's outcome so `new_context` can screenshot a test that failed."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium for the run; skipped, with the reason, when it cannot start here."""
    try:
        playwright = sync_playwright().start()
    except (PlaywrightError, OSError) as error:
        pytest.skip(f"Chromium not available: Playwright cannot start: {error}")
    try:
        chromium = launch_chromium(playwright)
    except ChromiumUnavailableError as error:
        playwright.stop()
        pytest.skip(f"Chromium not available: {error}")
    shutil.rmtree(ARTIFACTS_DIR, ignore_errors=True)  # only this run's screenshots remain
    yield chromium
    chromium.close()
    playwright.stop()


def _artifact_path(request: pytest.FixtureRequest, label: str) -> Path:
    """Where a test's screenshot goes: test-artifacts/browser/<test>-<label>.png (gitignored)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    return ARTIFACTS_DIR / f"{test_name}-{label}.png"


@pytest.fixture
def save_screenshot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """`save_screenshot(page, label)`: keep the whole page as a test artifact; returns the path."""

    def save(tab: Page, label: str) -> Path:
        path = _artifact_path(request, label)
        tab.screenshot(path=path, full_page=True)
        return path

    return save


@pytest.fixture
def external_requests() -> list[str]:
    """URLs the pages tried to fetch from anywhere but the test server (all were blocked)."""
    return []


@pytest.fixture
def new_context(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: GunicornServer,
    external_requests: list[str],
) -> Iterator[Callable[..., BrowserContext]]:
    """Make isolated browser contexts (own cookies, storage) on the test server; closed after.

    When the test fails, every open page is first saved to test-artifacts/browser/.
    """
    contexts: list[BrowserContext] = []

    def block_external(route: Route) -> None:
        # The machine has no internet, and no page should ask another host: fail fast if one does.
        external_requests.append(route.request.url)
        route.abort("internetdisconnected")

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.base_url, **options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.route(lambda url: not _LOOPBACK.match(url), block_external)
        contexts.append(context)
        return context

    yield make
    call_report = request.node.stash.get(_reports, {}).get("call")
    failed = call_report is not None and call_report.failed
    for number, context in enumerate(contexts):
        if failed:
            for tab_number, tab in enumerate(context.pages):
                label = f"failure-{number}-{tab_number}"
                tab.screenshot(path=_artifact_path(request, label), full_page=True)
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    """A desktop-sized page in its own context."""
    return new_context(viewport={"width": 1280, "height": 900}).new_page()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[GunicornServer]:
    """A real gunicorn (gunicorn.conf.py, 2 workers) for this test alone, on a migrated SQLite file.

    One per test: the outage tests break the database, and a fresh server costs a few seconds.
    """
    server = start_gunicorn(tmp_path / "server")
    yield server
    server.stop()
