"""The jq cookbook in docs/logging.md, run with the real jq against a log the app really wrote."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import structlog

from app.extensions import db
from app.models import User
from tests.e2e.story_log import PASSWORD, STORY_ID, USER_ID, story_app

pytestmark = pytest.mark.slow

DOC = Path(__file__).resolve().parents[2] / "docs" / "logging.md"
RECIPE_BLOCK = re.compile(r"```sh\n# recipe: (?P<name>[\w-]+)\n(?P<body>.*?)```", re.DOTALL)
RECIPES = {"story-uncompressed", "setup", "story", "errors-last-hour", "slowest", "5xx-by-path",
           "user", "timeline", "db-time", "breadcrumbs"}

# The doc's examples use STORY_ID and USER_ID (tests/e2e/story_log.py); the log contains them.
SLOW_MS = (900, 600, 300)


LOG_FILE_NAME = re.compile(r"microblog\.log(\.(?P<age>\d+))?(\.gz)?")


@dataclass
class GeneratedLog:
    """A log directory the app wrote, in the layout the cookbook expects (`<cwd>/logs`)."""

    cwd: Path

    @property
    def log_dir(self) -> Path:
        return self.cwd / "logs"

    def files_oldest_first(self) -> list[Path]:
        """`.N(.gz)` … `.1`, then the live file (other files in the directory are not logs)."""
        ages = {}
        for path in self.log_dir.iterdir():
            match = LOG_FILE_NAME.fullmatch(path.name)
            if match:
                ages[path] = int(match["age"] or 0)
        return sorted(ages, key=lambda path: -ages[path])

    def lines_oldest_first(self) -> list[str]:
        """Every line of every file, oldest first, decompressed."""
        lines: list[str] = []
        for path in self.files_oldest_first():
            data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
            lines.extend(data.decode("utf-8").split("\n")[:-1])
        return lines

    def events_oldest_first(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines_oldest_first()]


def _write_the_log(cwd: Path, database: Path) -> None:
    """Drive the app through a known story; small LOG_MAX_BYTES so the log rotates."""

    def crash(kind: str) -> str:
        structlog.get_logger("app.reports").info("report_started", kind=kind)
        db.session.execute(sa.select(sa.func.count(User.id)).where(User.username != kind))
        structlog.get_logger("app.reports").debug("report_counted", kind=kind)  # a breadcrumb
        raise RuntimeError(f"{kind} report failed")

    def slow(ms: int) -> str:
        time.sleep(ms / 1000)
        return "done"

    with story_app(cwd / "logs", database, LOG_MAX_BYTES=4096, LOG_BACKUP_COUNT=100) as app:
        app.add_url_rule("/crash/<kind>", "crash", crash)
        app.add_url_rule("/slow/<int:ms>", "slow", slow)
        # Filler lines that rotate the log (a healthy /healthz logs at debug, below LOG_LEVEL).
        app.add_url_rule("/ping", "ping", lambda: "pong")
        client = app.test_client()
        for _ in range(15):
            client.get("/ping")
        client.post("/login", data={"username": "susan", "password": PASSWORD})
        client.post("/index", data={"post": "hello, log"})
        client.get("/crash/report", headers={"X-Request-ID": STORY_ID})
        for ms in SLOW_MS:
            client.get(f"/slow/{ms}", headers={"X-Request-ID": f"slow-{ms}"})
        client.post("/logout")
        client.get("/crash/report", headers={"X-Request-ID": "boom-2"})
        client.get("/crash/export", headers={"X-Request-ID": "boom-3"})
        client.post("/login", data={"username": "susan", "password": "wrong password"})
        for _ in range(15):
            client.get("/ping")


def _add_an_old_error(log: GeneratedLog) -> None:
    """An error from two hours ago at the start of the oldest file, as older history would be."""
    oldest = log.files_oldest_first()[0]
    event = next(e for e in log.events_oldest_first() if e["event"] == "unhandled_exception")
    two_hours_ago = time.gmtime(time.time() - 7200)
    event.update(timestamp=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", two_hours_ago),
                 request_id="old-error", user_id=None)
    oldest.write_bytes(json.dumps(event).encode() + b"\n" + oldest.read_bytes())


def _compress_rotations(log: GeneratedLog) -> None:
    """Compress `.2` and older, as logrotate's `compress` with `delaycompress` leaves them."""
    for path in log.files_oldest_first()[:-2]:
        path.with_name(path.name + ".gz").write_bytes(gzip.compress(path.read_bytes()))
        path.unlink()


@pytest.fixture(scope="module")
def recipes() -> dict[str, str]:
    """The cookbook's shell blocks, by the name in their `# recipe:` first line."""
    text = DOC.read_text()
    found = {m["name"]: m["body"] for m in RECIPE_BLOCK.finditer(text)}
    assert len(found) == text.count("```sh"), "every sh block is a recipe, each named once"
    return found


@pytest.fixture(scope="module")
def written_log(tmp_path_factory: pytest.TempPathFactory, jq: str) -> GeneratedLog:
    """A real log with rotations and the story in it, as the app leaves it (nothing gzipped)."""
    root = tmp_path_factory.mktemp("cookbook")
    log = GeneratedLog(root / "written")
    _write_the_log(log.cwd, root / "microblog.db")
    assert len(log.files_oldest_first()) >= 4, "the story should span several rotations"
    _add_an_old_error(log)
    return log


@pytest.fixture(scope="module")
def archived_log(written_log: GeneratedLog, tmp_path_factory: pytest.TempPathFactory
                 ) -> GeneratedLog:
    """A copy of the log whose older rotations were gzipped (by logrotate, say)."""
    log = GeneratedLog(tmp_path_factory.mktemp("cookbook-archived"))
    shutil.copytree(written_log.log_dir, log.log_dir)
    _compress_rotations(log)
    assert any(path.suffix == ".gz" for path in log.log_dir.iterdir())
    return log


def run(recipes: dict[str, str], name: str, log: GeneratedLog) -> list[str]:
    """Run one recipe (after the setup block, as a reader would) and return its output lines."""
    script = f"set -euo pipefail\n{recipes['setup']}\n{recipes[name]}"
    env = {"PATH": os.environ["PATH"], "LC_ALL": "C", "HOME": str(log.cwd)}
    done = subprocess.run(["bash", "-c", script], cwd=log.cwd, env=env, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{name} failed: {done.stderr}"
    assert done.stderr == ""
    return done.stdout.splitlines()


def _json_lines(lines: list[str]) -> list[Any]:
    return [json.loads(line) for line in lines]


def test_every_recipe_is_tested(recipes: dict[str, str]) -> None:
    """The doc's recipes are exactly the ones this module checks."""
    assert set(recipes) == RECIPES


def test_plain_jq_over_the_glob_tells_the_story(
    recipes: dict[str, str], written_log: GeneratedLog
) -> None:
    """`jq 'select(.request_id==…)' logs/microblog.log*` prints the request's lines, file by file.

    Every file the glob matches must be JSON lines: a sidecar named `microblog.log.<x>` (a lock
    file) would make jq stop with a parse error.
    """
    log = written_log
    matched = sorted(log.log_dir.glob("microblog.log*"))  # the shell's order under LC_ALL=C
    assert [p for p in matched if not LOG_FILE_NAME.fullmatch(p.name)] == [], (
        "non-log files match `microblog.log*`, so the documented jq command fails on them"
    )
    expected = [json.loads(line) for path in matched for line in path.read_text().split("\n")[:-1]
                if json.loads(line).get("request_id") == STORY_ID]
    assert _json_lines(run(recipes, "story-uncompressed", log)) == expected
    assert len(expected) == 3


def test_setup_defines_the_helper_quietly(recipes: dict[str, str], archived_log: GeneratedLog
                                          ) -> None:
    """The setup block only defines `microblog_logs`."""
    assert run(recipes, "setup", archived_log) == []


def test_story(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """One request's events, across rotated and compressed files, in order."""
    story = _json_lines(run(recipes, "story", archived_log))
    assert story == [e for e in archived_log.events_oldest_first()
                     if e.get("request_id") == STORY_ID]
    assert [e["event"] for e in story] == ["report_started", "unhandled_exception",
                                           "request_finished"]
    assert {e["user_id"] for e in story} == {USER_ID}
    assert story[-1]["status"] == 500


def test_errors_of_the_last_hour(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """The three crashes, not the two-hour-old error, one summary line each."""
    events = archived_log.events_oldest_first()
    crashes = {e["request_id"]: e for e in events if e["event"] == "unhandled_exception"}
    assert "old-error" in crashes
    expected = [
        {"timestamp": crashes[rid]["timestamp"], "request_id": rid,
         "event": "unhandled_exception", "path": path, "error": "RuntimeError"}
        for rid, path in ((STORY_ID, "/crash/report"), ("boom-2", "/crash/report"),
                          ("boom-3", "/crash/export"))
    ]
    assert _json_lines(run(recipes, "errors-last-hour", archived_log)) == expected


def test_slowest_requests(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """The deliberately slow requests lead, slowest first; ten lines in all."""
    slowest = _json_lines(run(recipes, "slowest", archived_log))
    assert [e["path"] for e in slowest[:3]] == [f"/slow/{ms}" for ms in SLOW_MS]
    finished = [e for e in archived_log.events_oldest_first() if e["event"] == "request_finished"]
    assert slowest == [
        {k: e[k] for k in ("duration_ms", "method", "path", "status", "request_id")}
        for e in sorted(finished, key=lambda e: -e["duration_ms"])[:10]
    ]


def test_server_errors_by_path(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """5xx responses are counted per path, most frequent first."""
    assert _json_lines(run(recipes, "5xx-by-path", archived_log)) == [
        [{"path": "/crash/report", "count": 2}, {"path": "/crash/export", "count": 1}]
    ]


def test_a_users_activity(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """From the login to the logout, every event of user 42 and nobody else's."""
    activity = _json_lines(run(recipes, "user", archived_log))
    assert activity == [
        [e["timestamp"], e["request_id"], e["event"], e.get("method"), e.get("path"),
         e.get("status")]
        for e in archived_log.events_oldest_first() if e.get("user_id") == USER_ID
    ]
    assert [(row[3], row[4]) for row in activity if row[2] == "request_finished"] == [
        ("POST", "/login"), ("POST", "/index"), ("GET", "/crash/report"),
        *(("GET", f"/slow/{ms}") for ms in SLOW_MS), ("POST", "/logout"),
    ]
    assert [row[2] for row in activity if row[2] != "request_finished"][:2] == [
        "user_logged_in", "post_created"
    ]


def test_timeline_across_rotations(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """Every event of every file, oldest first, as tab-separated summary lines."""
    timeline = run(recipes, "timeline", archived_log)
    assert timeline == [
        "\t".join([e["timestamp"], e["level"], e["event"], e.get("request_id") or "-"])
        for e in archived_log.events_oldest_first()
    ]
    stamps = [row.split("\t")[0] for row in timeline]
    assert stamps == sorted(stamps), "oldest first across rotated and compressed files"


def test_requests_by_database_time(recipes: dict[str, str], archived_log: GeneratedLog) -> None:
    """The ten requests with the most database time, heaviest first, with their query counts."""
    heaviest = _json_lines(run(recipes, "db-time", archived_log))
    finished = [e for e in archived_log.events_oldest_first() if e["event"] == "request_finished"]
    assert heaviest == [
        {k: e[k] for k in ("db_ms", "db_queries", "duration_ms", "method", "path", "request_id")}
        for e in sorted(finished, key=lambda e: -e["db_ms"])[:10]
    ]
    assert len(heaviest) == 10 and any(row["db_queries"] > 0 for row in heaviest)


def test_the_breadcrumbs_of_one_error(recipes: dict[str, str], archived_log: GeneratedLog
                                      ) -> None:
    """The story's trail: its statements (placeholders only) and its unwritten debug event."""
    lines = run(recipes, "breadcrumbs", archived_log)
    [error] = [e for e in archived_log.events_oldest_first()
               if e.get("request_id") == STORY_ID and e["event"] == "unhandled_exception"]
    rows = [line.split("\t") for line in lines]
    assert [(float(r[0]), r[1], r[3]) for r in rows] == [
        (c["offset_ms"], c["category"], c["message"]) for c in error["breadcrumbs"]]
    assert [r[2] for r in rows if r[1] == "log"] == ["debug"]
    assert rows[-1][3] == "report_counted kind=report"
    assert any(r[1] == "sql" and "count(" in r[3] and "?" in r[3] for r in rows)
    assert all(float(r[2]) >= 0 for r in rows if r[1] == "sql")
