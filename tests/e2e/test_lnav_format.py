"""docs/lnav/microblog.json: Debian's lnav reads a log the app wrote, as docs/logging.md says."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.config import PROJECT_ROOT
from tests.e2e.story_log import STORY_ID, add_crash_route, story_app

DOC = PROJECT_ROOT / "docs" / "logging.md"
BLOCK = re.compile(r"```bash\n# lnav: (?P<name>[\w-]+)\n(?P<body>.*?)```", re.DOTALL)
OTHER_CRASH_ID = "boom-2"


@pytest.fixture(scope="module")
def written_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Drive the real app: two crashes (one with the doc's ID), a 404 and normal pages."""
    root = tmp_path_factory.mktemp("lnav-story")
    with story_app(root / "logs", root / "microblog.db") as app:
        add_crash_route(app)
        client = app.test_client()
        client.get("/login")
        client.get("/crash", headers={"X-Request-ID": STORY_ID})
        client.get("/no-such-page")
        client.get("/crash", headers={"X-Request-ID": OTHER_CRASH_ID})
        client.get("/livez")
    lines = (root / "logs" / "microblog.log").read_text().splitlines()
    return root / "logs", [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def blocks() -> dict[str, str]:
    """The doc's lnav blocks, by the name in their `# lnav:` first line."""
    return {match["name"]: match["body"] for match in BLOCK.finditer(DOC.read_text())}


@pytest.fixture
def project(tmp_path: Path, lnav: str, written_log: tuple[Path, list[dict[str, Any]]]
            ) -> tuple[Path, list[dict[str, Any]]]:
    """A project root with the real docs/ and the log the app wrote; lnav's own HOME inside it."""
    log_dir, events = written_log
    cwd = tmp_path / "project"
    cwd.mkdir()
    (cwd / "docs").symlink_to(PROJECT_ROOT / "docs")
    (cwd / "logs").symlink_to(log_dir)
    (cwd / "home").mkdir()
    return cwd, events


def run(blocks: dict[str, str], name: str, cwd: Path) -> list[list[str]]:
    """Run one doc block with bash, as a reader would; its output table's rows, split on blanks."""
    env = {"PATH": os.environ["PATH"], "HOME": str(cwd / "home"), "LC_ALL": "C.UTF-8",
           "TERM": "dumb"}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", blocks[name]], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"{name}: {done.stderr}{done.stdout}"
    assert "error" not in done.stderr.lower(), done.stderr
    return [line.split() for line in done.stdout.splitlines() if line.strip()]


def test_the_doc_has_the_blocks_this_test_runs(blocks: dict[str, str]) -> None:
    """docs/logging.md names exactly the lnav blocks checked here."""
    assert set(blocks) == {"install", "story", "5xx", "exception-types"}


def test_one_request_is_found_by_its_id(blocks: dict[str, str],
                                        project: tuple[Path, list[dict[str, Any]]]) -> None:
    """The story query prints each of the request's events, in order, with level and status."""
    cwd, events = project
    run(blocks, "install", cwd)
    header, *rows = run(blocks, "story", cwd)
    assert header[:3] == ["log_time", "log_level", "event"]
    expected = [e["event"] for e in events if e.get("request_id") == STORY_ID]
    assert [row[3] for row in rows] == expected
    assert "unhandled_exception" in expected and expected[-1] == "request_finished"
    assert rows[-1][2:7] == ["info", "request_finished", "GET", "/crash", "500"]
    assert [row[2] for row in rows if row[3] == "unhandled_exception"] == ["error"]


def test_the_5xx_lines_are_found_with_sql(blocks: dict[str, str],
                                          project: tuple[Path, list[dict[str, Any]]]) -> None:
    """The 5xx query lists the two crashed requests and nothing else (not the 404)."""
    cwd, events = project
    run(blocks, "install", cwd)
    _header, *rows = run(blocks, "5xx", cwd)
    assert [row[2] for row in rows] == [STORY_ID, OTHER_CRASH_ID]
    assert {row[5] for row in rows} == {"500"}
    assert any(e.get("status") == 404 for e in events)


def test_the_exception_is_a_json_column(blocks: dict[str, str],
                                        project: tuple[Path, list[dict[str, Any]]]) -> None:
    """`json_extract` reaches the structured exception: two RuntimeErrors."""
    cwd, _events = project
    run(blocks, "install", cwd)
    _header, *rows = run(blocks, "exception-types", cwd)
    assert rows == [["RuntimeError", "2"]]
