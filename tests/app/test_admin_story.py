"""The admin request page as a timeline, and the slow-request list, over known log files."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.app.helpers import AuthActions, MakeUser
from tests.logs_factory import (
    BREADCRUMBS,
    LogFile,
    at,
    crash,
    profile_failure,
    request,
    write_log_files,
)

ALICE = 2  # make_user's second user, after the admin


@pytest.fixture
def admin(app_config: dict[str, Any], make_user: MakeUser, auth: AuthActions) -> FlaskClient:
    """Logged in as the admin; alice (id 2) has a failed request, a slow one and earlier ones."""
    make_user("admin", email="admin@example.com", is_admin=True)
    assert make_user("alice").id == ALICE
    failed = crash(at(20), "FAIL1", "/index", ALICE, profile_failure())
    failed.update(breadcrumbs=BREADCRUMBS, db_queries=2, db_ms=1.75, host="web-3")
    slow = request(at(17), "SLOW1", "GET", "/explore", 200, ALICE, slow=True,
                   breadcrumbs=BREADCRUMBS, db_queries=2, db_ms=1.75)
    slow["level"] = "warning"
    write_log_files(Path(app_config["LOG_DIR"]), [LogFile("microblog.log", events=[
        request(at(14), "HOME1", "GET", "/index", 200, ALICE),
        slow,
        request(at(18), "OTHER", "GET", "/index", 200, 99),
        failed,
        request(at(20.001), "FAIL1", "POST", "/index", 500, ALICE, db_queries=2, db_ms=1.75,
                host="web-3", endpoint="main.index"),
    ])])
    assert auth.login("admin").status_code == 302
    return auth.client


def _section(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</(table|ol|section)>', page, re.DOTALL)
    assert match, f"no #{element_id} on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", match.group(0)))


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_summary_names_user_duration_and_database_time(admin: FlaskClient) -> None:
    """Method, path, status, the user by name, duration, db time and queries, host."""
    page = admin.get("/admin/requests/fail1").get_data(as_text=True)
    summary = _words(_section(page, "summary"))
    assert "POST /index 500" in summary
    assert "alice (id 2)" in summary
    assert "12.5 ms" in summary and "1.8 ms in 2 queries" in summary
    assert "web-3" in summary and "main.index" in summary


def test_events_table_has_offsets_and_coloured_levels(admin: FlaskClient) -> None:
    """One row per event, with its offset from the first and a badge coloured by level."""
    page = admin.get("/admin/requests/FAIL1").get_data(as_text=True)
    events = _section(page, "events")
    assert _words(events).count("+") == 2
    assert "+0 ms" in events and "+60 ms" in events
    assert 'badge text-bg-danger">error' in page and 'badge text-bg-info">info' in page


def test_traceback_is_folded_with_app_frames_highlighted(admin: FlaskClient) -> None:
    """The traceback is a closed <details>; our frames are marked, the cause comes first."""
    page = admin.get("/admin/requests/FAIL1").get_data(as_text=True)
    assert '<details class="mb-3" id="traceback">' in page  # no `open`: collapsed by default
    assert page.count('class="list-group-item list-group-item-warning app-frame"') == 2
    assert "Traceback: RuntimeError: profile failed</summary>" in page
    shown = page.split("</summary>", 1)[1]
    assert shown.index("KeyError: &#39;avatar&#39;") < shown.index(
        "The above exception was the direct cause") < shown.index("RuntimeError: profile failed")


def test_breadcrumbs_are_listed_with_durations(admin: FlaskClient) -> None:
    """Each breadcrumb: offset, category, duration for SQL, level for log lines, the message."""
    page = admin.get("/admin/requests/FAIL1").get_data(as_text=True)
    crumbs = _words(_section(page, "breadcrumbs"))
    assert "+1.0 ms sql 0.5 ms SELECT user.id FROM user WHERE id = ?" in crumbs
    assert "+2.0 ms log debug cache_miss key=feed" in crumbs
    assert "INSERT INTO post (body) VALUES (?)" in crumbs


def test_the_users_previous_requests_link_to_their_stories(admin: FlaskClient) -> None:
    """Alice's earlier requests (not user 99's), oldest first, each a link to its page."""
    page = admin.get("/admin/requests/FAIL1").get_data(as_text=True)
    previous = _section(page, "previous-requests")
    assert re.findall(r'href="/admin/requests/([^"]+)"', page.split('id="previous-requests"')[1]
                      .split("</table>")[0]) == ["HOME1", "SLOW1"]
    assert "OTHER" not in previous
    assert "slow" in previous


def test_raw_lines_and_copyable_id(admin: FlaskClient) -> None:
    """The raw JSON lines are one link away; the ID has a copy button."""
    page = admin.get("/admin/requests/FAIL1").get_data(as_text=True)
    assert 'href="/admin/requests/FAIL1?format=json"' in page
    assert 'id="copy-request-id"' in page and '<code id="request-id"' in page


def test_a_slow_request_page_shows_its_breadcrumbs(admin: FlaskClient) -> None:
    """A slow request (no error) tells its trail the same way."""
    page = admin.get("/admin/requests/SLOW1").get_data(as_text=True)
    assert "slow</span>" in page
    assert "INSERT INTO post (body) VALUES (?)" in _section(page, "breadcrumbs")
    assert 'id="traceback"' not in page


def test_the_slow_list_links_each_slow_request(admin: FlaskClient) -> None:
    """/admin/slow lists only requests logged with slow: true; the error page links to it."""
    assert 'href="/admin/slow"' in admin.get("/admin/errors").get_data(as_text=True)
    page = admin.get("/admin/slow?since=all").get_data(as_text=True)
    assert re.findall(r'href="/admin/requests/([^"]+)"', page) == ["SLOW1"]
