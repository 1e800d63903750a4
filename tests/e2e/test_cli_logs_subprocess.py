"""`flask --app wsgi logs …` and `microblog-logs …` as real processes: exit codes, stdout for
pipes, jq, a closed pipe, and read-only: neither builds the app, so they write nothing and need
no database; `microblog-logs` does not even import Flask.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from tests.logs_factory import (
    BOOM1,
    BOOM2,
    HOME,
    PROFILE,
    LogFile,
    request,
    stamp,
    write_log_files,
    write_standard_logs,
)

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
FLASK = Path(sys.executable).parent / "flask"
MICROBLOG_LOGS = Path(sys.executable).parent / "microblog-logs"
TIMEOUT = 120  # generous: a loaded 2-core box can take seconds to import the app


def operator_env(tmp_path: Path) -> dict[str, str]:
    """The environment of an operator's shell (default settings), pointed at tmp_path/logs."""
    return {
        **os.environ,
        "LOG_DIR": str(tmp_path / "logs"),
        "SECRET_KEY": "e2e-cli-logs-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'microblog.db'}",
        "MAIL_SERVER": "",
    }


def flask(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run `flask --app wsgi <args>` to completion, with `env` on top of the operator's."""
    return subprocess.run([str(FLASK), "--app", "wsgi", *args], cwd=PROJECT,
                          env={**operator_env(tmp_path), **env}, capture_output=True,
                          timeout=TIMEOUT, check=False)


def flask_logs(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run `flask --app wsgi logs <args>` to completion."""
    return flask(tmp_path, "logs", *args, **env)


def microblog_logs(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    """Run the console script `microblog-logs <args>` to completion."""
    return subprocess.run([str(MICROBLOG_LOGS), *args], cwd=PROJECT,
                          env={**operator_env(tmp_path), **env}, capture_output=True,
                          timeout=TIMEOUT, check=False)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its size and modification time (ns)."""
    return {str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def story(tmp_path: Path) -> Path:
    """The standard story (tests/logs_factory.py) in tmp_path/logs."""
    return write_standard_logs(tmp_path / "logs")


def test_show_from_a_quoted_id_exits_0_with_the_timeline(tmp_path: Path, story: Path) -> None:
    """The admin's one command: a spoken ID in, the request's story and traceback out."""
    result = flask_logs(tmp_path, "show", "ob1zx 4kip0 rt9wm")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert text.startswith(f"request {BOOM1}: 2 events")
    assert "ZeroDivisionError: division by zero\n" in text


def test_show_json_feeds_jq(tmp_path: Path, story: Path) -> None:
    """`--json` output piped into the real jq: every line is a JSON object of that request."""
    jq = shutil.which("jq")
    if jq is None:
        pytest.skip("jq is not installed (make system-deps installs it)")
    result = flask_logs(tmp_path, "show", "--json", PROFILE.lower())
    assert result.returncode == 0
    piped = subprocess.run([jq, "-r", '[.event, .request_id, (.exception[0].exc_type // "-")]'
                            ' | join(" ")'], input=result.stdout, capture_output=True,
                           timeout=TIMEOUT, check=True)
    assert piped.stdout.decode().splitlines() == [
        f"unhandled_exception {PROFILE} RuntimeError",
        f"request_finished {PROFILE} -",
    ]


def test_search_and_errors_exit_codes(tmp_path: Path, story: Path) -> None:
    """0 when something matched, 1 when nothing did, 2 on a bad argument with a message."""
    found = flask_logs(tmp_path, "search", "--path", "/explore", "--status", "5xx", "--json")
    assert found.returncode == 0
    assert [orjson.loads(line)["request_id"] for line in found.stdout.splitlines()] == [
        BOOM1, BOOM2,
    ]
    nothing = flask_logs(tmp_path, "errors", "--since", "2024-05-01T11:00:00Z")
    assert (nothing.returncode, nothing.stdout) == (1, b"")
    bad = flask_logs(tmp_path, "search", "--since", "last tuesday")
    assert bad.returncode == 2
    assert b"ISO-8601" in bad.stderr


@pytest.mark.parametrize("command", [[str(FLASK), "--app", "wsgi", "logs"], [str(MICROBLOG_LOGS)]],
                         ids=["flask logs", "microblog-logs"])
def test_a_reader_that_goes_away_ends_the_search_quietly(
    tmp_path: Path, command: list[str]
) -> None:
    """`… search | head -1`: exit 0, no traceback when head closes the pipe."""
    events = [request(stamp(timedelta(milliseconds=n)), HOME, "GET", "/index", 200, 7)
              for n in range(3000)]  # ~600 KB of output: far more than a pipe holds
    write_log_files(tmp_path / "logs", [LogFile("microblog.log", events=events)])
    process = subprocess.Popen([*command, "search"], cwd=PROJECT,
                               env=operator_env(tmp_path), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()
    process.stdout.close()
    try:
        returncode = process.wait(timeout=TIMEOUT)
        stderr = process.stderr.read()
    finally:
        process.stderr.close()
    assert first.startswith(b"2024-05-01T10:00:00.000Z  INFO ")
    assert returncode == 0
    assert b"Traceback" not in stderr
    assert b"BrokenPipeError" not in stderr


def test_stdout_holds_only_the_answer(tmp_path: Path, story: Path) -> None:
    """The app's own start-up events never reach stdout: `--json` output is only the request."""
    result = flask_logs(tmp_path, "show", "--json", BOOM1)
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert [event["event"] for event in events] == ["unhandled_exception", "request_finished"]
    assert {event["request_id"] for event in events} == {BOOM1}


def test_reading_the_logs_writes_nothing(tmp_path: Path, story: Path) -> None:
    """show, search and errors leave every file as it was and create no database.

    The live file is over LOG_MAX_BYTES, so a single event written by a started app (its
    `app_startup`) would also rotate the files under the search.
    """
    before = snapshot(tmp_path)
    assert (story / "microblog.log").stat().st_size > 200
    for args in (["show", BOOM1], ["search", "--level", "error"], ["errors"]):
        result = flask_logs(tmp_path, *args, LOG_MAX_BYTES="200")
        assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "microblog.db").exists()


def test_logs_needs_no_database(tmp_path: Path, story: Path) -> None:
    """With a DATABASE_URL no app can start with, `flask logs` still helps and searches."""
    unusable = {"DATABASE_URL": "not a database url"}
    helped = flask_logs(tmp_path, "--help", **unusable)
    assert helped.returncode == 0, helped.stderr
    assert b"show" in helped.stdout and b"errors" in helped.stdout
    shown = flask_logs(tmp_path, "show", BOOM1, **unusable)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"request {BOOM1}: 2 events".encode())
    # The proof that the setting is unusable: a command that builds the app fails on it.
    app_command = flask(tmp_path, "routes", **unusable)
    assert app_command.returncode != 0
    assert b"Could not parse SQLAlchemy URL" in app_command.stderr


def test_the_apps_commands_still_build_the_app(tmp_path: Path) -> None:
    """`db upgrade` creates the schema; `flask --help` lists the app's commands beside `logs`."""
    upgraded = flask(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    with closing(sqlite3.connect(tmp_path / "microblog.db")) as connection, connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"user", "post", "followers"} <= tables
    listed = flask(tmp_path, "--help")
    assert listed.returncode == 0, listed.stderr
    commands = {line.split()[0] for line in listed.stdout.decode().split("Commands:")[1]
                .splitlines() if line.strip()}
    assert {"db", "logs", "run", "send-test-email", "shell"} <= commands


def command_names(help_text: bytes) -> list[str]:
    """The command names a click group's --help lists."""
    listed = help_text.decode().split("Commands:")[1]
    return [line.split()[0] for line in listed.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "args",
    [
        ["show", "ob1zx 4kip0 rt9wm"],
        ["show", "--json", PROFILE.lower()],
        ["show", "7ZZZZ-ZZZZZ-ZZZZZ"],
        ["search", "--path", "/explore", "--status", "5xx"],
        ["search", "--level", "warning", "--json"],
        ["errors"],
        ["errors", "--json", "--since", "2024-05-01T10:05:00Z"],
        ["search", "--since", "last tuesday"],
    ],
)
def test_microblog_logs_answers_exactly_as_flask_logs(
    tmp_path: Path, story: Path, args: list[str]
) -> None:
    """Same stdout, stderr and exit status from both entry points, found or not, bad or good."""
    standalone = microblog_logs(tmp_path, *args)
    plugin = flask_logs(tmp_path, *args)
    assert standalone.returncode == plugin.returncode
    assert standalone.stdout == plugin.stdout
    assert standalone.stderr == plugin.stderr.replace(b"flask logs", b"microblog-logs")
    assert standalone.returncode in (0, 1, 2)


def test_microblog_logs_show_prints_the_story_and_exit_codes(tmp_path: Path, story: Path) -> None:
    """0 with the timeline for a quoted ID, 1 with the folder named when nothing matches, 2 for
    text that is no request ID."""
    found = microblog_logs(tmp_path, "show", "ob1zx 4kip0 rt9wm")
    assert found.returncode == 0, found.stderr
    assert found.stdout.decode().startswith(f"request {BOOM1}: 2 events")
    assert b"ZeroDivisionError: division by zero\n" in found.stdout
    missing = microblog_logs(tmp_path, "show", "7ZZZZ-ZZZZZ-ZZZZZ")
    assert (missing.returncode, missing.stdout) == (1, b"")
    assert f"in {tmp_path / 'logs'}".encode() in missing.stderr
    refused = microblog_logs(tmp_path, "show", "<script>")
    assert refused.returncode == 2
    assert b"is not a request ID" in refused.stderr


def test_both_entry_points_list_the_same_commands(tmp_path: Path) -> None:
    """`microblog-logs --help` and `flask logs --help` offer show, search and errors."""
    standalone = microblog_logs(tmp_path, "--help")
    plugin = flask_logs(tmp_path, "--help")
    assert standalone.returncode == plugin.returncode == 0
    assert command_names(standalone.stdout) == command_names(plugin.stdout)
    assert sorted(command_names(standalone.stdout)) == ["errors", "search", "show"]
    assert standalone.stdout.startswith(b"Usage: microblog-logs ")


def test_microblog_logs_imports_no_flask_and_no_app(tmp_path: Path, story: Path) -> None:
    """A whole `show` in a fresh interpreter loads no Flask, no app package and no structlog."""
    probe = (
        "import sys\n"
        "from observability.search.cli import logs\n"
        f"logs.main(['show', {BOOM1!r}], standalone_mode=False)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('flask', 'werkzeug', 'app', 'structlog', 'sqlalchemy', 'yaml'))\n"
        "print('LOADED', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT,
                            env=operator_env(tmp_path), capture_output=True, timeout=TIMEOUT,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().startswith(f"request {BOOM1}: 2 events")
    assert result.stdout.decode().splitlines()[-1] == "LOADED []"


def test_microblog_logs_writes_nothing(tmp_path: Path, story: Path) -> None:
    """show, search and errors leave every file as it was and create no database."""
    before = snapshot(tmp_path)
    for args in (["show", BOOM1], ["search", "--level", "error"], ["errors"]):
        result = microblog_logs(tmp_path, *args, LOG_MAX_BYTES="200")
        assert result.returncode == 0, result.stderr
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "microblog.db").exists()
