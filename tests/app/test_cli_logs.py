"""`flask logs show|search|errors` through Flask's CLI runner, on generated and on real logs.

`logs` is a `flask.commands` plugin, not an `app.cli` command, so these tests invoke the group
itself; inside the test app's context it reads that app's LOG_DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from observability.search.cli import logs as logs_group
from tests.logs_factory import (
    BOOM1,
    BOOM2,
    LOGIN,
    PROFILE,
    all_events,
    encode,
    write_standard_logs,
)


@pytest.fixture
def story_dir(app_config: dict[str, Any]) -> Path:
    """The standard story written where the app reads its logs (before the app exists)."""
    return write_standard_logs(Path(app_config["LOG_DIR"]))


def invoke_logs(app: Flask, runner: FlaskCliRunner, *args: str) -> Any:
    """`flask logs <args>` as run inside the app's context; stdout and stderr stay separate."""
    with app.app_context():
        return runner.invoke(logs_group, args)


@pytest.fixture
def logs(story_dir: Path, app: Flask, runner: FlaskCliRunner) -> Any:
    """Invoke `flask logs <args>` over the standard story."""

    def _invoke(*args: str) -> Any:
        return invoke_logs(app, runner, *args)

    return _invoke


def test_show_prints_the_timeline_from_an_id_read_over_the_phone(logs: Any) -> None:
    """Lower case, dashes lost, O for 0 and I for 1: the story and its traceback, exit 0."""
    result = logs("show", "ob1zx4kip0rt9wm")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"request {BOOM1}: 2 events, 2024-05-01T10:02:00.000Z")
    assert "  ERROR     unhandled_exception  " in lines[2]
    assert lines[3:6] == [
        "Traceback (most recent call last):",
        '  File "/srv/venv/lib/python3.11/site-packages/flask/app.py", line 880, '
        "in full_dispatch_request",
        '  File "/srv/microblog/app/main/routes.py", line 42, in explore',
    ]
    assert lines[6] == "ZeroDivisionError: division by zero"
    assert "request_finished  method=GET path=/explore status=500" in lines[-1]
    assert result.stderr == ""


def test_show_json_prints_the_raw_lines_for_jq(logs: Any) -> None:
    """`--json` writes each line exactly as it is in the file, oldest first."""
    result = logs("show", "--json", BOOM1.lower())
    assert result.exit_code == 0
    expected = [encode(event) for event in all_events() if event.get("request_id") == BOOM1]
    assert result.stdout_bytes.splitlines() == expected


def test_show_reports_the_corrupt_line_on_stderr(logs: Any) -> None:
    """LOGIN's truncated line is skipped and counted on stderr; stdout has the story."""
    result = logs("show", LOGIN)
    assert result.exit_code == 0
    assert result.stderr == "skipped 1 corrupt line\n"
    assert "login_failed" in result.stdout


def test_show_of_an_unknown_id_exits_1(logs: Any) -> None:
    """Nothing found is exit 1, like grep, with a note on stderr and nothing on stdout."""
    result = logs("show", "ZZZZZ-ZZZZZ-ZZZZZ")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no events for request ZZZZZZZZZZZZZZZ" in result.stderr


@pytest.mark.parametrize("bad_id", ["abc/def", "", "<b>"])
def test_show_of_text_that_is_no_id_exits_2(logs: Any, bad_id: str) -> None:
    """A bad argument is exit 2 with a message naming the argument."""
    result = logs("show", bad_id)
    assert result.exit_code == 2
    assert "REQUEST_ID" in result.stderr
    assert "is not a request ID" in result.stderr


def test_search_by_level_prints_one_line_per_event(logs: Any) -> None:
    """`--level error`: the three crashes, each line naming its request."""
    result = logs("search", "--level", "error")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[3] for line in lines] == [BOOM1, BOOM2, PROFILE]
    assert all("unhandled_exception" in line for line in lines)


def test_search_combines_filters(logs: Any) -> None:
    """Path and status together: the two 500s on /explore."""
    result = logs("search", "--path", "/explore", "--status", "500")
    assert result.exit_code == 0
    assert [line.split()[3] for line in result.stdout.splitlines()] == [BOOM1, BOOM2]


def test_search_json_with_limit_prints_the_newest_raw_lines(logs: Any) -> None:
    """`--limit 2 --json`: the last two errors, as JSON objects jq can read."""
    result = logs("search", "--level", "error", "--limit", "2", "--json")
    assert result.exit_code == 0
    events = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert [event["request_id"] for event in events] == [BOOM2, PROFILE]


def test_search_with_a_time_window(logs: Any) -> None:
    """ISO-8601 bounds with a Z: only what happened between them."""
    result = logs("search", "--since", "2024-05-01T10:08:00Z", "--until", "2024-05-01T10:09Z",
                  "--event", "request_finished")
    assert result.exit_code == 0
    assert [line.split()[3] for line in result.stdout.splitlines()] == [BOOM2]


def test_search_with_no_match_exits_1(logs: Any) -> None:
    """The story is from 2024, so nothing finished in the last 15 minutes: exit 1."""
    result = logs("search", "--since", "15m", "--event", "request_finished")
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "ISO-8601"),
        (["--until", "5 minutes"], "ISO-8601"),
        (["--since", "1h", "--until", "2h"], "since is later than until"),
        (["--level", "verbose"], "verbose"),
        (["--status", "600"], "status '600'"),
        (["--limit", "0"], "--limit"),
        (["--colour"], "No such option"),
    ],
)
def test_search_with_bad_arguments_exits_2(logs: Any, args: list[str], message: str) -> None:
    """Bad values are exit 2 with a message that says what is wrong."""
    result = logs("search", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_errors_groups_by_fingerprint(logs: Any) -> None:
    """Two groups, newest first, with count, first/last seen and the latest IDs."""
    result = logs("errors")
    assert result.exit_code == 0
    blocks = result.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines()[0] == "RuntimeError at app.main.profiles:user"
    assert blocks[1].splitlines()[:2] == [
        "ZeroDivisionError at app.main.routes:explore",
        "  2x, first 2024-05-01T10:02:00.000Z, last 2024-05-01T10:08:00.000Z"
        f"  (fingerprint {all_events()[2]['fingerprint']})",
    ]
    assert blocks[1].splitlines()[-1] == f"  latest requests: {BOOM2} {BOOM1}"


def test_errors_json_and_since(logs: Any) -> None:
    """`--json` gives one object per group; `--since` narrows the counts."""
    result = logs("errors", "--json", "--since", "2024-05-01T10:05:00Z")
    assert result.exit_code == 0
    groups = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    assert [(group["kind"], group["count"]) for group in groups] == [
        ("RuntimeError", 1), ("ZeroDivisionError", 1),
    ]


def test_errors_in_a_quiet_window_exit_1(logs: Any) -> None:
    """No errors after the story ends: exit 1."""
    assert logs("errors", "--since", "2024-05-01T10:12:00Z").exit_code == 1


def test_errors_with_a_reversed_window_exit_2(logs: Any) -> None:
    """`--since` later than `--until` can never match: exit 2."""
    result = logs("errors", "--since", "1h", "--until", "2h")
    assert result.exit_code == 2
    assert "--since is later than --until" in result.stderr


def _divide() -> str:
    return str(1 / 0)


def test_show_finds_a_real_500_logged_by_the_app(app: Flask, runner: FlaskCliRunner) -> None:
    """The ID from a real 500's X-Request-ID header, lowercased without dashes, finds its story."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let the real 500 path run under TESTING
    app.add_url_rule("/test-divide", "test_divide", _divide)
    response = app.test_client().get("/test-divide")
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    result = invoke_logs(app, runner, "show", request_id.replace("-", "").lower())
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"request {request_id}: 2 events")
    assert "ZeroDivisionError: division by zero" in result.stdout
    assert ", in _divide\n" in result.stdout
    assert "request_finished  method=GET path=/test-divide status=500" in result.stdout


def test_show_without_any_log_file_exits_1(runner: FlaskCliRunner, app: Flask) -> None:
    """A log folder with nothing in it yet: nothing found, exit 1, no crash."""
    for path in Path(app.config["LOG_DIR"]).glob("microblog.log*"):
        path.unlink()
    assert invoke_logs(app, runner, "show", BOOM1).exit_code == 1
