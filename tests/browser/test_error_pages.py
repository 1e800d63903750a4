"""Error pages in a real Chromium: the request ID on the page is the header's, and copies."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Response, expect

from tests.browser.flows import publish, sign_up
from tests.e2e.gunicorn_server import GunicornServer

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _copy_request_id_page(
    new_context: Callable[..., BrowserContext], live_server: GunicornServer
) -> Page:
    """A page whose context may use the clipboard on the test server's origin."""
    context = new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.base_url)
    return context.new_page()


def _assert_page_quotes_and_copies(page: Page, response: Response | None, status: int) -> str:
    """The page shows the header's request ID, and the Copy button puts it on the clipboard."""
    assert response is not None
    assert response.status == status
    request_id = response.headers["x-request-id"]
    assert request_id
    expect(page.locator("#request-id")).to_have_text(request_id)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == request_id
    return request_id


def _logged(server: GunicornServer, request_id: str, event: str) -> list[dict[str, Any]]:
    """One request's events of one kind, read once its closing `request_finished` is logged."""

    def of_request(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        return [r for r in records if r.get("request_id") == request_id and r.get("event") == name]

    records = server.wait_for_records(lambda records: bool(of_request(records, "request_finished")))
    return of_request(records, event)


def test_404_page_quotes_the_request_id(
    save_screenshot: Callable[[Page, str], Path],
    new_context: Callable[..., BrowserContext],
    live_server: GunicornServer,
) -> None:
    """An unknown address gives a 404 page quoting the X-Request-ID and the log line's ID."""
    page = _copy_request_id_page(new_context, live_server)
    response = page.goto("/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    request_id = _assert_page_quotes_and_copies(page, response, 404)
    save_screenshot(page, "404")
    (finished,) = _logged(live_server, request_id, "request_finished")
    assert (finished["path"], finished["status"]) == ("/no/such/page", 404)


@pytest.mark.parametrize(
    ("table", "navbar_link"),
    [
        ("post", "Logout"),  # the user still loads: the navbar says who is signed in
        ("user", "Login"),  # not even the user loads: the page falls back to signed-out links
    ],
)
def test_500_page_during_a_database_outage(
    save_screenshot: Callable[[Page, str], Path],
    new_context: Callable[..., BrowserContext],
    live_server: GunicornServer,
    table: str,
    navbar_link: str,
) -> None:
    """With a table gone under the running server, the 500 page still renders and quotes the ID."""
    page = _copy_request_id_page(new_context, live_server)
    sign_up(page, "alice")
    publish(page, "Before the outage")
    with closing(sqlite3.connect(live_server.database)) as database, database:
        database.execute(f'ALTER TABLE "{table}" RENAME TO "{table}_gone"')

    response = page.goto("/index")
    expect(page.get_by_role("heading", name="Something went wrong")).to_be_visible()
    role = "button" if navbar_link == "Logout" else "link"  # logging out is a form's POST
    expect(page.get_by_role(role, name=navbar_link)).to_be_attached()
    request_id = _assert_page_quotes_and_copies(page, response, 500)
    save_screenshot(page, "500")

    content = page.content()
    assert "Traceback" not in content
    assert f"{table}_gone" not in content and "OperationalError" not in content
    failures = _logged(live_server, request_id, "unhandled_exception")
    assert len(failures) == 1
    assert "OperationalError" in json.dumps(failures[0]["exception"])
