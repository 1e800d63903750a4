"""The user's trail: the same user's (or anonymous client's) requests just before this one."""

from __future__ import annotations

from pathlib import Path

from observability.search.scan import find_request
from observability.search.user_trail import previous_requests
from observability.story_text import PreviousRequests
from tests.logs_factory import (
    BOOM2,
    CLIENT,
    LOGIN,
    SPLIT,
    STATIC,
    LogFile,
    at,
    request,
    write_log_files,
)


def _trail(log_dir: Path, request_id: str, **options: int) -> PreviousRequests:
    events = [entry.event for entry in find_request(log_dir, request_id)]
    trail = previous_requests(log_dir, events, **options)
    assert trail is not None
    return trail


def _ids(trail: PreviousRequests) -> list[str]:
    return [str(row["request_id"]) for row in trail.rows]


def test_earlier_requests_of_the_same_user_across_rotations(log_dir: Path) -> None:
    """User 12's requests before SPLIT, oldest first, from two files; later ones are not listed."""
    trail = _trail(log_dir, SPLIT)
    assert _ids(trail) == [CLIENT, BOOM2]
    assert trail.who == "user 12"
    assert trail.rows[1] == {"timestamp": trail.rows[1]["timestamp"], "request_id": BOOM2,
                             "method": "GET", "path": "/explore", "status": 500,
                             "duration_ms": 12.5}
    assert _ids(_trail(log_dir, BOOM2)) == [CLIENT]


def test_the_request_count_and_the_window_both_limit(log_dir: Path) -> None:
    """Whichever is fewer: the newest N requests, or those in the last M minutes."""
    assert _ids(_trail(log_dir, SPLIT, limit=1)) == [BOOM2]
    assert _ids(_trail(log_dir, SPLIT, minutes=3)) == [BOOM2]
    assert _trail(log_dir, SPLIT, minutes=3).who == "user 12"


def test_anonymous_requests_follow_the_client_address(log_dir: Path) -> None:
    """Without a user, the same address's anonymous requests (never a logged-in user's)."""
    trail = _trail(log_dir, STATIC)
    assert trail.who == "anonymous client 10.0.0.5"
    assert _ids(trail) == [LOGIN]


def test_no_anchor_no_trail(log_dir: Path) -> None:
    """Events without request_finished or unhandled_exception name nobody: no trail."""
    assert previous_requests(log_dir, [{"event": "cache_miss", "timestamp": "x"}]) is None


def test_static_files_are_not_steps(tmp_path: Path) -> None:
    """CSS and scripts a page pulled in (endpoint `static`, `bootstrap.static`) are left out."""
    log_dir = write_log_files(tmp_path / "logs", [LogFile("microblog.log", events=[
        request(at(1), "PAGE1", "GET", "/index", 200, 5, endpoint="main.index"),
        request(at(1.01), "CSS01", "GET", "/static/app.css", 200, 5, endpoint="static"),
        request(at(1.02), "JS001", "GET", "/bootstrap/static/js/b.js", 200, 5,
                endpoint="bootstrap.static"),
        request(at(2), "NOW01", "GET", "/explore", 200, 5, endpoint="main.explore"),
    ])])
    trail = previous_requests(log_dir, [entry.event for entry in find_request(log_dir, "NOW01")])
    assert trail is not None and _ids(trail) == ["PAGE1"]
