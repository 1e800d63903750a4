"""A person's journeys through the app in a real Chromium: account, posts, follows, profile."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.flows import publish, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_register_log_in_and_post(page: Page) -> None:
    """A new visitor registers, signs in, posts, and finds the post in their feed and profile."""
    sign_up(page, "alice")
    publish(page, "Hello from a real browser")
    expect(page.locator("article.post").first).to_contain_text("Hello from a real browser")
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="alice")).to_be_visible()
    expect(page.locator(".post-body")).to_have_text(["Hello from a real browser"])


def test_follow_brings_their_posts_into_the_feed(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    """After following bob, alice's home feed shows bob's post and his profile counts her."""
    bob = new_context().new_page()
    sign_up(bob, "bob")
    publish(bob, "Bob was here")

    sign_up(page, "alice")
    expect(page.locator(".post-body")).to_have_count(0)
    page.goto("/user/bob")
    page.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("alert")).to_have_text("You are following bob.")
    expect(page.locator(".followers-count")).to_have_text("1")
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    page.get_by_role("link", name="Home").click()
    expect(page.locator(".post-body")).to_have_text(["Bob was here"])


def test_edit_profile_then_hit_a_taken_username(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    """Saving about-me works; a name someone else has (in any letter case) is a form error."""
    sign_up(new_context().new_page(), "bob")
    sign_up(page, "alice")
    page.goto("/edit_profile")
    page.get_by_label("About me").fill("I test things.")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_have_text("Your changes have been saved.")

    page.get_by_label("Username").fill("BOB")
    response_statuses: list[int] = []
    page.on("response", lambda response: response_statuses.append(response.status))
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("Please use a different username.")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("BOB")
    assert 500 not in response_statuses
    page.get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", name="alice")).to_be_visible()
    expect(page.locator(".about-me")).to_have_text("I test things.")
