"""What a person does in the browser, step by step, so tests read as user journeys."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "correct horse battery"


def register(page: Page, username: str, password: str = PASSWORD) -> None:
    """Fill in the registration form as a new visitor would, and land on the sign-in page."""
    page.goto("/register")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username.lower()}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat password").fill(password)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_contain_text("you are now a registered user")
    expect(page).to_have_url(re.compile(r"/login$"))


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Sign in from the sign-in page and land on the home feed."""
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Attached, not visible: on a phone the navbar links sit behind the toggler.
    expect(page.locator('form[action="/logout"] button')).to_be_attached()


def sign_up(page: Page, username: str) -> None:
    """Register and sign in: the usual start of a journey."""
    register(page, username)
    log_in(page, username)


def publish(page: Page, text: str) -> None:
    """Write a post from the home page and see it confirmed."""
    page.goto("/index")
    page.get_by_label("Say something").fill(text)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Your post is now live!")
