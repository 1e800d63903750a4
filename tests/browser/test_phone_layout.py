"""The layout at phone width in a real Chromium: nothing scrolls sideways, the navbar folds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.flows import publish, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 375, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,  # honour <meta name="viewport"> as a phone does
    "has_touch": True,
}
# Long words and links are where narrow layouts usually break.
UNBROKEN_POST = "Supercalifragilistic" * 14
LONG_USERNAME = "a-rather-long-username-that-goes-on-and-on-and-on-and-on-forever"


def _horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the screen (0 when nothing scrolls sideways).

    Not `innerWidth`: in mobile emulation Chromium widens the visual viewport to fit overflowing
    content, so `scrollWidth <= innerWidth` holds even for a broken page. `clientWidth` stays
    the device width.
    """
    return int(page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    ))


@pytest.fixture
def phone(new_context: Callable[..., BrowserContext]) -> Page:
    """A page in a phone-sized, touch-enabled context."""
    return new_context(**PHONE).new_page()


def test_no_page_scrolls_sideways_on_a_phone(
    phone: Page, save_screenshot: Callable[[Page, str], Path]
) -> None:
    """Every page, long unbroken posts and the error page included, fits a 375px-wide screen."""
    for path in ("/login", "/register"):
        phone.goto(path)
        assert _horizontal_overflow(phone) <= 0, path
    sign_up(phone, LONG_USERNAME)
    publish(phone, UNBROKEN_POST)
    for path in ("/index", "/explore", f"/user/{LONG_USERNAME}", "/edit_profile", "/no/such/page"):
        phone.goto(path)
        assert _horizontal_overflow(phone) <= 0, path
    phone.goto("/index")
    expect(phone.locator(".post-body").first).to_have_text(UNBROKEN_POST)
    save_screenshot(phone, "phone-feed")


def test_navbar_folds_behind_a_toggle_on_a_phone(
    phone: Page, new_context: Callable[..., BrowserContext]
) -> None:
    """On a phone the links hide behind the toggler and open on a tap; on a desktop they show."""
    phone.goto("/login")
    toggler = phone.get_by_role("button", name="Toggle navigation")
    explore = phone.get_by_role("link", name="Explore")
    expect(toggler).to_be_visible()
    expect(explore).to_be_hidden()
    toggler.tap()
    expect(explore).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # Bootstrap ignores taps while the menu is still sliding open; wait until it is open.
    expect(phone.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))
    toggler.tap()
    expect(explore).to_be_hidden()

    desktop = new_context(viewport={"width": 1280, "height": 900}).new_page()
    desktop.goto("/login")
    expect(desktop.get_by_role("button", name="Toggle navigation")).to_be_hidden()
    expect(desktop.get_by_role("link", name="Explore")).to_be_visible()


def test_styles_and_scripts_come_from_the_app_itself(
    page: Page, external_requests: list[str]
) -> None:
    """Bootstrap's CSS and JS are served locally and applied: no CDN, which this machine lacks."""
    loaded: list[str] = []
    page.on("requestfinished", lambda finished: loaded.append(finished.url))
    page.goto("/login")
    page.wait_for_load_state("load")
    assert any(url.endswith("bootstrap.min.css") for url in loaded)
    assert any(url.endswith("bootstrap.min.js") for url in loaded)
    assert page.evaluate("typeof window.bootstrap") == "object"
    navbar_display = page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display")
    assert navbar_display == "flex"  # Bootstrap's rule, not the browser's default "block"
    assert external_requests == []
