"""A real gunicorn serving the app on a free loopback port, with its SQLite file in a temp dir."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import PROJECT_ROOT

BIN_DIR = Path(sys.executable).parent
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base URL and the files it writes."""

    url: str
    database: Path
    log_dir: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn not ready after {READY_TIMEOUT_S}s")


@contextmanager
def live_server(work_dir: Path, workers: int = 2) -> Iterator[LiveServer]:
    """Migrate a fresh SQLite file, serve it with gunicorn, and stop the server afterwards."""
    database = work_dir / "microblog.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "LOG_DIR": str(work_dir / "logs"),
        "SECRET_KEY": "browser-test-secret",
        "MAIL_SERVER": "",
    }
    subprocess.run([str(BIN_DIR / "flask"), "--app", "wsgi", "db", "upgrade"], cwd=PROJECT_ROOT,
                   env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    log = work_dir / "gunicorn.out"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(BIN_DIR / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
             "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(url, process, log)
        yield LiveServer(url, database, work_dir / "logs")
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
