"""A real gunicorn master with N workers on a free loopback port, for end-to-end tests.

Importable from any test package (`from tests.e2e.gunicorn_server import start_gunicorn`);
tests/e2e/conftest.py wraps it in the `gunicorn_server` fixture, which also stops every server.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import ENV_KEYS, PROJECT_ROOT

READY_TIMEOUT_S = 90.0  # two shared cores: booting 4 workers can take a while under load
STOP_TIMEOUT_S = 30.0
_BIND_RETRIES = 3  # a "free" port can be taken by another test between probe and bind


@dataclass
class GunicornServer:
    """A running server: where it listens, the files it writes, and how to stop it."""

    base_url: str
    process: subprocess.Popen[bytes]
    work_dir: Path
    log_dir: Path
    database: Path
    stdout_path: Path
    stderr_path: Path
    workers: int
    env: dict[str, str] = field(repr=False)

    def url(self, path: str) -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + path

    def log_files(self) -> list[Path]:
        """`microblog.log` and its rotated copies, oldest first (the lock file is hidden)."""
        return sorted(self.log_dir.glob("microblog.log*"), key=_age_rank, reverse=True)

    def log_records(self) -> list[dict[str, Any]]:
        """Every line of every log file as a dict; a line that is not one JSON object fails."""
        records = []
        for path in self.log_files():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise AssertionError(f"{path.name}:{number} is not a JSON object: {line!r}")
                records.append(record)
        return records

    def wait_for_records(
        self,
        predicate: Callable[[list[dict[str, Any]]], bool],
        timeout: float = READY_TIMEOUT_S,
    ) -> list[dict[str, Any]]:
        """Poll the log until `predicate(records)` holds; the records, or AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                records = self.log_records()
            except (FileNotFoundError, ValueError):
                records = []  # read mid-rotation or mid-write; strict checks come after stop()
            if records and predicate(records):
                return records
            if time.monotonic() > deadline:
                raise AssertionError(f"log condition not met after {timeout}s\n{self.output()}")
            time.sleep(0.2)

    def output(self, tail: int = 3000) -> str:
        """The end of gunicorn's stdout and stderr, for failure messages."""
        parts = []
        for path in (self.stdout_path, self.stderr_path):
            text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
            parts.append(f"--- {path.name} ---\n{text[-tail:]}")
        return "\n".join(parts)

    def flask(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`flask --app wsgi ARGS` against this server's database and settings (an operator)."""
        return _flask(self.env, *args)

    def stop(self) -> int | None:
        """SIGTERM (graceful), wait, then SIGKILL the whole group; the master's exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=STOP_TIMEOUT_S)
        # Workers of a killed master, or a master that ignored SIGTERM: nothing may outlive us.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.wait()


def start_gunicorn(
    work_dir: Path,
    *,
    workers: int = 2,
    env: Mapping[str, str] | None = None,
    app: str = "wsgi:app",
    extra_args: Sequence[str] = (),
    pythonpath: Iterable[Path] = (),
    migrate: bool = True,
    wait_for_workers: bool = True,
) -> GunicornServer:
    """Start gunicorn with gunicorn.conf.py on a fresh SQLite file in `work_dir`; return when ready.

    `env` overrides the defaults (SECRET_KEY, DATABASE_URL=<work_dir>/microblog.db,
    LOG_DIR=<work_dir>/logs, MAIL_SERVER="" ...), e.g. LOG_MAX_BYTES or MAIL_* for a test SMTP
    server. `app` is the WSGI target, importable from the project root or `pythonpath`.
    `extra_args` go to gunicorn (`--timeout 3`). Ready means /healthz answers 200 and, with
    `wait_for_workers`, every worker has logged `app_startup`. Stop it with `.stop()`.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    full_env = _server_env(work_dir, env or {})
    if migrate:
        # Its own log folder: the server's log then holds only the server's lines.
        _migrate({**full_env, "LOG_DIR": str(work_dir / "migrate-logs")})
    last_failure = ""
    for attempt in range(_BIND_RETRIES):
        server = _spawn(work_dir, full_env, workers, app, extra_args, pythonpath, attempt)
        try:
            _wait_until_healthy(server)
            if wait_for_workers:
                server.wait_for_records(lambda records: _started_pids(records) >= workers)
            return server
        except _ExitedEarlyError as exited:
            server.stop()
            last_failure = str(exited)
            if "Address already in use" not in last_failure:
                break
        except BaseException:
            server.stop()
            raise
    raise RuntimeError(f"gunicorn did not start:\n{last_failure}")


class _ExitedEarlyError(RuntimeError):
    """The master exited before it was ready."""


def _server_env(work_dir: Path, overrides: Mapping[str, str]) -> dict[str, str]:
    # Nothing from the developer's shell: no stray MAIL_SERVER, no other database.
    base = {k: v for k, v in os.environ.items() if k not in ENV_KEYS and k != "MICROBLOG_CONFIG"}
    return {
        **base,
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "DATABASE_URL": f"sqlite:///{work_dir / 'microblog.db'}",
        "LOG_DIR": str(work_dir / "logs"),
        "LOG_LEVEL": "INFO",
        "MAIL_SERVER": "",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def _flask(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a `flask --app wsgi` command; a failure raises with its output."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT, env=dict(env), capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def _migrate(env: Mapping[str, str]) -> None:
    """The schema the way `make serve` makes it: `flask db upgrade`."""
    _flask(env, "db", "upgrade")


def _spawn(
    work_dir: Path,
    env: dict[str, str],
    workers: int,
    app: str,
    extra_args: Sequence[str],
    pythonpath: Iterable[Path],
    attempt: int,
) -> GunicornServer:
    port = _free_port()
    stdout_path = work_dir / f"gunicorn-{attempt}.stdout"
    stderr_path = work_dir / f"gunicorn-{attempt}.stderr"
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--no-control-socket",  # the default socket in $HOME is shared by every gunicorn
        *[arg for path in pythonpath for arg in ("--pythonpath", str(path))],
        *extra_args,
        app,
    ]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=stdout, stderr=stderr,
            start_new_session=True,  # its own process group, so stop() can reap the workers
        )
    return GunicornServer(
        base_url=f"http://127.0.0.1:{port}",
        process=process,
        work_dir=work_dir,
        log_dir=Path(env["LOG_DIR"]),
        database=Path(env["DATABASE_URL"].removeprefix("sqlite:///")),
        stdout_path=stdout_path,
        stderr_path=stderr_path,
        workers=workers,
        env=env,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_healthy(server: GunicornServer) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise _ExitedEarlyError(server.output())
        try:
            with urllib.request.urlopen(server.url("/healthz"), timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn not healthy after {READY_TIMEOUT_S}s\n{server.output()}")


def _started_pids(records: list[dict[str, Any]]) -> int:
    return len({r.get("pid") for r in records if r.get("event") == "app_startup"})


def _age_rank(path: Path) -> int:
    """0 for the live file, N for `.N`: sorting by it descending lists the oldest first."""
    suffix = path.name.removeprefix("microblog.log").lstrip(".")
    return int(suffix) if suffix.isdigit() else 0


# The `gunicorn_server` fixture's type: call it with start_gunicorn's keyword options.
StartGunicorn = Callable[..., GunicornServer]
