"""Real servers for the figures: gunicorn subprocesses on free loopback ports, stopped cleanly."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.core import PROJECT_ROOT

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_for_http(url: str, timeout: float = 60.0, process: subprocess.Popen[bytes] | None = None
                  ) -> None:
    """Poll until `url` answers (any HTTP status); generous because other helpers load the box."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (loopback only)
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass(frozen=True)
class Server:
    """A running server: where to reach it and how it was started (for the report)."""

    url: str
    command: str
    log_path: Path
    pid: int  # the master, leader of a process group that its workers share


_TICKS = os.sysconf("SC_CLK_TCK")


def _group_members(group: int) -> Iterator[tuple[int, list[str]]]:
    """(pid, the stat(5) fields after the command name) of each live process of a group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended while we looked
        if int(fields[2]) == group:  # fields[0] is the state: pgrp is field 5 of stat(5)
            yield int(stat.parent.name), fields


def group_cpu_seconds(group: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group."""
    ticks = sum(int(fields[11]) + int(fields[12])  # utime, stime
                for _pid, fields in _group_members(group))
    return ticks / _TICKS


def group_workers(group: int) -> list[int]:
    """The pids of a process group's members other than its leader (gunicorn's workers)."""
    return sorted(pid for pid, _fields in _group_members(group) if pid != group)


def pin_one_per_core(group: int) -> list[int]:
    """Pin the group's workers to the cores in turn (every thread of each); their pids."""
    cores = sorted(os.sched_getaffinity(0))
    workers = group_workers(group)
    for index, pid in enumerate(workers):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(int(task.name), {cores[index % len(cores)]})
    return workers


GUNICORN_CONF = PROJECT_ROOT / "gunicorn.conf.py"


def gunicorn_command(app_spec: str, workers: int, port: int) -> list[str]:
    """The same gunicorn for every server, as `make serve` runs it; only the app differs."""
    config = ["--config", str(GUNICORN_CONF)] if GUNICORN_CONF.exists() else []
    return [sys.executable, "-m", "gunicorn", *config, "--workers", str(workers),
            "--bind", f"{HOST}:{port}", "--graceful-timeout", "5", app_spec]


def describe(env: Mapping[str, str], command: list[str]) -> str:
    """`KEY=value ... gunicorn ...` as a reader would type it (paths shortened, secrets out)."""
    shown = [f"{key}={shlex.quote(value)}" for key, value in sorted(env.items())
             if key != "SECRET_KEY"]
    program = ["gunicorn", *command[3:]] if command[1:3] == ["-m", "gunicorn"] else command
    program = [Path(part).name if part == str(GUNICORN_CONF) else part for part in program]
    return " ".join([*shown, *map(shlex.quote, program)])


@contextmanager
def gunicorn(app_spec: str, workers: int, env: Mapping[str, str], workdir: Path,
             ready_path: str = "/healthz") -> Iterator[Server]:
    """Run gunicorn with `env` on top of ours; output (console logs included) goes to a file."""
    port = free_port()
    command = gunicorn_command(app_spec, workers, port)
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"gunicorn-{port}.out"
    with log_path.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://{HOST}:{port}"
        try:
            wait_for_http(url + ready_path, process=process)
            yield Server(url=url, command=describe(env, command), log_path=log_path,
                         pid=process.pid)
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """SIGTERM (gunicorn's graceful stop), then SIGKILL for the whole group if it hangs."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
