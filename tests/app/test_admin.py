"""The admin error console: who may see it, the error groups, the lookup box, request timelines."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from observability.search.cli import logs
from tests.app.helpers import AuthActions, MakeUser
from tests.logs_factory import BOOM1, BOOM2, PROFILE, all_events, encode, write_standard_logs

ADMIN_PAGES = ["/admin/", "/admin/errors", f"/admin/requests/{BOOM1}", "/admin/requests?id=x"]
_PRE = re.compile(r'<pre[^>]*id="timeline"[^>]*><code>(.*?)</code></pre>', re.DOTALL)


@pytest.fixture
def story(app_config: dict[str, Any]) -> Path:
    """The standard story (tests/logs_factory.py) where the app reads its logs."""
    return write_standard_logs(Path(app_config["LOG_DIR"]))


@pytest.fixture
def admin(story: Path, make_user: MakeUser, auth: AuthActions) -> FlaskClient:
    """The client, logged in as a user holding the admin role."""
    make_user("admin", email="admin@example.com", is_admin=True)
    assert auth.login("admin").status_code == 302
    return auth.client


def _timeline(page: str) -> str:
    match = _PRE.search(page)
    assert match, "the page has no timeline"
    return html.unescape(match.group(1))


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_for_anonymous_visitors_the_console_does_not_exist(
    story: Path, client: FlaskClient, page: str
) -> None:
    """No session: the same 404 as for any unknown page, not a login prompt."""
    response = client.get(page)
    assert response.status_code == 404
    assert BOOM1 not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_for_other_users_the_console_does_not_exist(
    story: Path, make_user: MakeUser, auth: AuthActions, page: str
) -> None:
    """A logged-in user without the role gets a 404, the same as for any unknown page."""
    make_user("bob")
    assert auth.login("bob").status_code == 302
    response = auth.client.get(page)
    assert response.status_code == 404
    assert BOOM1 not in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_an_address_in_admins_grants_nothing(
    app: Flask, story: Path, make_user: MakeUser, auth: AuthActions, page: str
) -> None:
    """ADMINS names error-email recipients: registering one of them does not open /admin."""
    app.config["ADMINS"] = ["Ops@Example.com"]
    make_user("ops", email="ops@example.com")
    assert auth.login("ops").status_code == 302
    assert auth.client.get(page).status_code == 404


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admins_reach_every_page(admin: FlaskClient, page: str) -> None:
    """With the role, no page of the console is a 404 (the lookup redirects, the rest show)."""
    assert admin.get(page).status_code in {200, 302, 400}


def test_only_admins_see_the_admin_link(
    story: Path, make_user: MakeUser, auth: AuthActions
) -> None:
    """The navbar links to /admin/errors for an admin, for nobody else."""
    link = 'href="/admin/errors">Admin</a>'
    assert link not in auth.client.get("/login").get_data(as_text=True)
    make_user("bob")
    auth.login("bob")
    assert link not in auth.client.get("/explore").get_data(as_text=True)
    auth.client.post("/logout")
    make_user("admin", email="admin@example.com", is_admin=True)
    auth.login("admin")
    assert link in auth.client.get("/explore").get_data(as_text=True)


def test_errors_page_lists_groups_newest_first_with_request_links(admin: FlaskClient) -> None:
    """Type, place, count, first/last seen, and the latest IDs as links to their timelines."""
    response = admin.get("/admin/errors")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    rows = re.findall(r"<tr data-fingerprint=.*?</tr>", page, re.DOTALL)
    assert len(rows) == 2
    assert "RuntimeError" in rows[0] and "app.main.profiles:user" in rows[0]
    newest = rows[1]
    assert "ZeroDivisionError" in newest and "app.main.routes:explore" in newest
    assert '<td class="text-end">2</td>' in newest
    assert "2024-05-01T10:02:00.000Z" in newest and "2024-05-01T10:08:00.000Z" in newest
    links = re.findall(r'href="(/admin/requests/[^"]+)"', newest)
    assert links == [f"/admin/requests/{BOOM2}", f"/admin/requests/{BOOM1}"]
    assert f'href="/admin/requests/{PROFILE}"' in rows[0]


def test_errors_page_has_the_lookup_box(admin: FlaskClient) -> None:
    """A GET form to /admin/requests with an `id` field."""
    page = admin.get("/admin/errors").get_data(as_text=True)
    assert 'action="/admin/requests"' in page
    assert 'name="id"' in page


def test_errors_page_time_window(admin: FlaskClient) -> None:
    """The story is from 2024: nothing in the last hour, both groups in 'all logs'."""
    page = admin.get("/admin/errors?since=1h").get_data(as_text=True)
    assert "No errors in the log files for the last hour." in page
    assert page.count("<tr data-fingerprint=") == 0
    assert admin.get("/admin/errors?since=bogus").get_data(as_text=True).count(
        "<tr data-fingerprint=") == 2


def test_lookup_takes_an_id_as_the_user_quoted_it(admin: FlaskClient) -> None:
    """Lower case, spaces, O for 0, I for 1: redirected to the request's timeline."""
    response = admin.get("/admin/requests", query_string={"id": "  ob1zx 4kip0 rt9wm "})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/requests/ob1zx%204kip0%20rt9wm"
    page = admin.get(response.headers["Location"])
    assert page.status_code == 200
    assert f'Request <span class="font-monospace">{BOOM1}</span>' in page.get_data(as_text=True)
    timeline = _timeline(page.get_data(as_text=True))
    assert timeline.startswith(f"request {BOOM1}: 2 events")
    assert "Traceback (most recent call last):\n" in timeline
    assert "ZeroDivisionError: division by zero\n" in timeline


def test_an_empty_lookup_goes_back_to_the_errors(admin: FlaskClient) -> None:
    """Submitting the box empty is harmless."""
    response = admin.get("/admin/requests?id=+")
    assert response.headers["Location"] == "/admin/errors"


def test_request_page_shows_what_flask_logs_show_prints(admin: FlaskClient, app: Flask) -> None:
    """The page's timeline is, character for character, the CLI's output."""
    page = admin.get(f"/admin/requests/{PROFILE.lower()}").get_data(as_text=True)
    with app.app_context():  # `flask logs` then reads this app's LOG_DIR
        printed = app.test_cli_runner().invoke(logs, ["show", PROFILE]).stdout
    assert _timeline(page) == printed
    assert "The above exception was the direct cause of the following exception:" in printed


def test_request_page_json_gives_the_raw_lines(admin: FlaskClient) -> None:
    """`?format=json`: the request's lines exactly as logged."""
    response = admin.get(f"/admin/requests/{BOOM1}?format=json")
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    expected = [encode(event) for event in all_events() if event.get("request_id") == BOOM1]
    assert response.get_data().splitlines() == expected


def test_an_unknown_request_is_a_404_that_explains(admin: FlaskClient) -> None:
    """Not in the logs (maybe rotated away): 404, with the folded ID and the matching rules."""
    response = admin.get("/admin/requests/zzzzz-zzzzz-zzzzz")
    assert response.status_code == 404
    assert "No events for request" in response.get_data(as_text=True)
    assert "ZZZZZZZZZZZZZZZ" in response.get_data(as_text=True)


def test_text_that_is_no_request_id_is_a_400_and_escaped(admin: FlaskClient) -> None:
    """Markup in the URL is refused, and shown only escaped."""
    response = admin.get("/admin/requests/<script>alert(1)</script>")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<script>alert" not in page
    assert "is not a request ID" in html.unescape(page)


def test_the_lookup_refuses_text_that_is_no_id(admin: FlaskClient) -> None:
    """`../x` in the box is a 400 with the reason, never a redirect built from it."""
    response = admin.get("/admin/requests", query_string={"id": "../../logout"})
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "is not a request ID" in html.unescape(response.get_data(as_text=True))


def test_the_console_root_leads_to_the_errors(admin: FlaskClient) -> None:
    """/admin/ is a redirect to /admin/errors."""
    assert admin.get("/admin/").headers["Location"] == "/admin/errors"


@pytest.mark.parametrize(("path", "default"), [("/admin/errors", "all"), ("/admin/slow", "24h")])
def test_each_log_page_offers_the_time_windows_of_its_own(
    admin: FlaskClient, path: str, default: str
) -> None:
    """Both pages link the four windows to themselves; the one asked for (or the default) is on."""
    for asked, current in ((None, default), ("7d", "7d"), ("bogus", default)):
        page = admin.get(path if asked is None else f"{path}?since={asked}").get_data(as_text=True)
        links = re.findall(r'href="([^"?]+)\?since=(\w+)"', page)
        assert links == [(path, key) for key in ("1h", "24h", "7d", "all")]
        assert re.findall(r'aria-current="page"\s+href="[^"?]+\?since=(\w+)"', page) == [current]
