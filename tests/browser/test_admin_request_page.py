"""The admin request timeline in a real Chromium at phone width: it fits, and it unfolds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.flows import sign_up
from tests.browser.test_phone_layout import PHONE
from tests.e2e.gunicorn_server import GunicornServer, start_gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.slow]

APPS = Path(__file__).resolve().parents[1] / "e2e" / "apps"
ADMIN = "a-rather-long-admin-name-that-goes-on-and-on"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[GunicornServer]:
    """The app with the story routes (three queries, then a crash)."""
    server = start_gunicorn(tmp_path / "server", app="story_wsgi:app", pythonpath=[APPS])
    yield server
    server.stop()


def test_the_timeline_fits_a_phone_and_unfolds(
    live_server: GunicornServer, new_context: Callable[..., BrowserContext],
    save_screenshot: Callable[[Page, str], Path],
) -> None:
    """At 375px nothing scrolls sideways; the traceback opens on a tap; the trail links back."""
    phone = new_context(**PHONE).new_page()
    sign_up(phone, ADMIN)
    live_server.flask("admin", "grant", ADMIN)
    phone.goto("/explore")
    phone.goto("/_e2e/story/crash")
    request_id = phone.locator("#request-id").inner_text().strip()
    phone.goto(f"/admin/requests/{request_id}")
    width = phone.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert width <= 0
    expect(phone.locator("#summary")).to_contain_text("500")
    expect(phone.locator("#breadcrumbs")).to_contain_text("story_follows")
    frames = phone.locator("#traceback .app-frame").first
    expect(frames).to_be_attached()
    expect(frames).to_be_hidden()  # collapsed by default
    phone.locator("#traceback > summary").click()
    expect(frames).to_be_visible()
    expect(phone.locator("#copy-request-id")).to_be_visible()
    save_screenshot(phone, "admin-request-phone")
    phone.locator("#previous-requests tr", has_text="/explore").locator("a").click()
    expect(phone.locator("#summary")).to_contain_text("/explore")
