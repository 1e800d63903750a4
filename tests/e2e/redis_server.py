"""A throwaway redis-server (Debian's `redis-server`) on a free loopback port, for e2e tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

READY_TIMEOUT_S = 30.0


@dataclass
class RedisServer:
    """A running server: its URL and how to stop it."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        """The RATELIMIT_STORAGE_URI that points at it."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Terminate it and wait (kill if it lingers)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(work_dir: Path) -> RedisServer:
    """Start redis-server without persistence; return when it answers PING."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; make test "
                    "installs it)")
    import redis  # the `redis` extra; installed with the dev extra

    work_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (work_dir / "redis.log").open("wb")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(work_dir)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    server = RedisServer(port, process)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=1)
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        while True:
            try:
                if client.ping():
                    return server
            except redis.exceptions.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"redis-server did not start: {(work_dir / 'redis.log')}")
            time.sleep(0.1)
    finally:
        client.close()
        log.close()
