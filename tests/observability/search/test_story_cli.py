"""`microblog-logs show --trail`, `search --slow` and the timeline's breadcrumbs, on log files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from observability.search.cli import logs
from observability.search.query import Query
from observability.search.timeline import render_timeline
from tests.logs_factory import LogFile, at, crash, request, write_log_files, zero_division

USER = 7
CRUMBS = [
    {"offset_ms": 1.25, "category": "sql", "message": "SELECT user.id FROM user WHERE id = ?",
     "duration_ms": 0.4},
    {"offset_ms": 2.5, "category": "sql", "message": "SELECT count(*) FROM post",
     "duration_ms": 0.6},
    {"offset_ms": 3.0, "category": "log", "message": "cache_miss key=feed", "level": "debug"},
    {"offset_ms": 4.0, "category": "sql", "message": "INSERT INTO post (body) VALUES (?)",
     "duration_ms": 1.1},
]


def _story() -> list[LogFile]:
    failed = crash(at(5), "FAIL1", "/index", USER, zero_division())
    failed.update(breadcrumbs=CRUMBS, db_queries=3, db_ms=2.1)
    slow = request(at(17), "SLOW1", "GET", "/explore", 200, USER, slow=True, breadcrumbs=CRUMBS)
    slow["level"] = "warning"
    return [LogFile("microblog.log", events=[
        request(at(0), "EARLY", "GET", "/index", 200, USER),  # 20 minutes before: too old
        request(at(14), "HOME1", "GET", "/index", 200, USER),
        slow,
        request(at(18), "OTHER", "GET", "/index", 200, 99),
        request(at(19), "POST1", "POST", "/index", 302, USER),
        {**failed, "timestamp": at(20)},
        request(at(20.001), "FAIL1", "POST", "/index", 500, USER, db_queries=3, db_ms=2.1),
    ])]


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    """A log with a failed request, its user's earlier requests, and a slow one."""
    return write_log_files(tmp_path / "logs", _story())


def _run(log_dir: Path, *args: str) -> Any:
    return CliRunner().invoke(logs, [*args, "--log-dir", str(log_dir)])


def test_the_timeline_prints_breadcrumbs_as_lines() -> None:
    """Breadcrumbs are listed under their event, one line each with offset and duration."""
    failed = crash(at(5), "FAIL1", "/index", USER, zero_division())
    failed["breadcrumbs"] = CRUMBS
    text = render_timeline([failed])
    assert "breadcrumbs=" not in text
    assert "  breadcrumbs (4, oldest first):\n" in text
    assert "     +1.2 ms  sql     0.4 ms  SELECT user.id FROM user WHERE id = ?\n" in text
    assert "     +3.0 ms  log      debug  cache_miss key=feed\n" in text


def test_show_with_trail_lists_the_users_previous_requests(log_dir: Path) -> None:
    """--trail adds the same user's earlier requests (not other users', not older than 15 min)."""
    result = _run(log_dir, "show", "fail1", "--trail")
    assert result.exit_code == 0, result.output
    story, trail = result.stdout.split("\nPrevious requests of user 7 ")
    assert "db_queries=3 db_ms=2.1" in story
    assert "INSERT INTO post (body) VALUES (?)" in story
    assert trail.startswith("(up to 10 in the 15 minutes before):\n")
    lines = trail.splitlines()[1:]
    assert [line.split()[-1] if "slow" not in line else line.split()[-2] for line in lines] == [
        "HOME1", "SLOW1", "POST1"]
    assert lines[1].endswith("SLOW1  slow")
    assert lines[2].split()[1:5] == ["POST", "/index", "302", "12.5"]


def test_show_trail_limits_and_json(log_dir: Path) -> None:
    """--trail-limit keeps the newest; with --json the trail follows as one object per request."""
    result = _run(log_dir, "show", "FAIL1", "--trail", "--trail-limit", "1", "--json")
    assert result.exit_code == 0, result.output
    rows = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [row["request_id"] for row in rows] == ["FAIL1", "FAIL1", "POST1"]


def test_search_slow_lists_only_slow_requests(log_dir: Path) -> None:
    """--slow finds the requests logged with `slow: true`, nothing else."""
    result = _run(log_dir, "search", "--slow")
    assert result.exit_code == 0, result.output
    [line] = result.stdout.splitlines()
    assert "SLOW1" in line and "slow=true" in line
    assert _run(log_dir, "search", "--slow", "--user", "99").exit_code == 1


def test_slow_query_matches_only_true() -> None:
    """A Query with slow=True wants `"slow": true` exactly, and says so in its byte anchors."""
    query = Query(slow=True)
    assert query.required_bytes()[0] == (b'"slow"',)
    when = datetime.now(UTC)
    assert query.matches({"slow": True}, when)
    assert not query.matches({"slow": "true"}, when)
    assert not query.matches({}, when)
