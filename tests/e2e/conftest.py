"""End-to-end fixtures: real gunicorn servers, stopped (SIGTERM, wait, SIGKILL) after each test,
redis-server, and the Debian tools the docs' commands run (jq, lnav).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.gunicorn_server import GunicornServer, StartGunicorn, start_gunicorn
from tests.e2e.redis_server import RedisServer, start_redis


@pytest.fixture
def gunicorn_server(tmp_path: Path) -> Iterator[StartGunicorn]:
    """A factory: `gunicorn_server(**options) -> GunicornServer`, ready to serve.

    Options (all keyword, see `start_gunicorn`): `workers=2`; `env={...}` overriding the
    defaults SECRET_KEY, DATABASE_URL (a real SQLite file under tmp_path, migrated with
    `flask db upgrade`), LOG_DIR (tmp_path/.../logs), LOG_LEVEL=INFO, MAIL_SERVER="" — pass
    LOG_MAX_BYTES, LOG_BACKUP_COUNT, MAIL_SERVER/MAIL_PORT/ADMINS ... here; `app="wsgi:app"`;
    `pythonpath=[dir]` to serve a test module; `extra_args=["--timeout", "3"]`;
    `wait_for_workers=True` (ready = /healthz is 200 and every worker logged app_startup).
    Each call gets its own folder (tmp_path/server-N) with the database, the logs and
    gunicorn's stdout/stderr. Every server started is stopped when the test ends.
    """
    started: list[GunicornServer] = []

    def start(**options: Any) -> GunicornServer:
        server = start_gunicorn(tmp_path / f"server-{len(started)}", **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own on a free loopback port, stopped afterwards."""
    server = start_redis(tmp_path / "redis")
    yield server
    server.stop()


def _debian_tool(name: str) -> str:
    """The tool's path, or a skip that says how to install it."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: `make system-deps` installs it")
    return path


@pytest.fixture(scope="session")
def jq() -> str:
    """The real jq (a Debian package that `make system-deps` installs)."""
    return _debian_tool("jq")


@pytest.fixture(scope="session")
def lnav() -> str:
    """Debian's lnav (`make system-deps` installs it)."""
    return _debian_tool("lnav")
