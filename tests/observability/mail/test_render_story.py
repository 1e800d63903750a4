"""The error email tells the request's story: database time, breadcrumbs, previous requests."""

from __future__ import annotations

from pathlib import Path

from observability.mail.previous_requests import previous_requests_for
from observability.mail.render import render_error_email
from observability.story_text import PreviousRequests
from tests.logs_factory import (
    BREADCRUMBS,
    LogFile,
    at,
    crash,
    request,
    write_log_files,
    zero_division,
)


def _failure() -> dict[str, object]:
    event = crash(at(20), "FAIL1", "/index", 7, zero_division())
    event.update(breadcrumbs=BREADCRUMBS, db_queries=2, db_ms=1.75)
    return event


def test_body_lists_the_breadcrumbs_and_the_database_time() -> None:
    """Each breadcrumb is one line with its offset and duration; the query count is given."""
    _subject, body = render_error_email(_failure(), held_back=0)
    assert "Database:       2 queries, 1.75 ms before the error\n" in body
    assert ("What the request did before it failed (offset, kind, duration, what):\n"
            "    +1.0 ms  sql     0.5 ms  SELECT user.id FROM user WHERE id = ?\n"
            "    +2.0 ms  log      debug  cache_miss key=feed\n"
            "    +3.5 ms  sql     1.2 ms  INSERT INTO post (body) VALUES (?)\n") in body
    assert body.index("INSERT INTO post") < body.index("Traceback")


def test_body_lists_the_previous_requests_it_is_given() -> None:
    """The user's trail, when the caller looked it up, under a heading that says whose."""
    trail = PreviousRequests(who="user 7", limits="up to 10 in the 15 minutes before", rows=(
        {"timestamp": at(19), "request_id": "POST1", "method": "POST", "path": "/index",
         "status": 302, "duration_ms": 12.5},))
    _subject, body = render_error_email(_failure(), held_back=0, previous_requests=trail)
    assert ("Previous requests of user 7 (up to 10 in the 15 minutes before):\n"
            f"  {at(19)}  POST   /index  302  12.5 ms  POST1\n") in body
    _subject, none = render_error_email(_failure(), held_back=0, with_previous_requests=True)
    assert "Previous requests: (the request names no user or client address)" in none


def test_breadcrumb_control_characters_cannot_forge_lines() -> None:
    """A newline or control inside a breadcrumb message stays inside its one line."""
    event = _failure()
    event["breadcrumbs"] = [{"offset_ms": 1, "category": "log", "level": "debug",
                             "message": "evil\r\nFake-Header: x\x1b[31m"}]
    _subject, body = render_error_email(event, held_back=0)
    line = next(line for line in body.splitlines() if "evil" in line)
    assert "Fake-Header" in line and "\x1b" not in body and "\r" not in body


def test_the_admin_link_names_the_request(tmp_path: Path) -> None:
    """With EXTERNAL_URL the body links to the request's timeline page."""
    _subject, body = render_error_email(_failure(), held_back=0,
                                        external_url="https://blog.example.org/")
    assert "    https://blog.example.org/admin/requests/FAIL1\n" in body


def test_previous_requests_are_read_from_the_log_folder(tmp_path: Path) -> None:
    """The sender thread's lookup finds the user's earlier requests; no folder, empty trail."""
    log_dir = write_log_files(tmp_path / "logs", [LogFile("microblog.log", events=[
        request(at(19), "POST1", "POST", "/index", 302, 7),
        request(at(19.5), "ELSE1", "GET", "/index", 200, 8),
    ])])
    trail = previous_requests_for(_failure(), log_dir)
    assert trail is not None and [row["request_id"] for row in trail.rows] == ["POST1"]
    missing = previous_requests_for(_failure(), tmp_path / "nowhere")
    assert missing is not None and missing.rows == ()
    assert previous_requests_for({"event": "startup_failed"}, log_dir) is None
