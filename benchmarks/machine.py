"""The facts about the machine that a reader needs to weigh the absolute numbers."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

from benchmarks.core import PROJECT_ROOT


def _first_line_value(path: str, key: str) -> str:
    """`key : value` from a /proc-style file, or '?' where the file or key is missing."""
    try:
        for line in Path(path).read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return "?"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.system()


def _command_output(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10,  # noqa: S603
                                   cwd=PROJECT_ROOT)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (completed.stdout or completed.stderr).strip().splitlines()[0] if (
        completed.stdout or completed.stderr) else "?"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine_facts() -> dict[str, str]:
    """nproc, CPU, memory, Python, OS, and the versions of the tools that shape the numbers."""
    mem_kib = _first_line_value("/proc/meminfo", "MemTotal").split()[0]
    memory = f"{int(mem_kib) / 1024 / 1024:.1f} GiB" if mem_kib.isdigit() else "?"
    return {
        "nproc": str(len(os.sched_getaffinity(0))),
        "CPU": _first_line_value("/proc/cpuinfo", "model name"),
        "memory": memory,
        "Python": platform.python_version(),
        "OS": f"{_os_name()} (Linux {platform.release()})",
        "wrk": _command_output(["wrk", "--version"]).split(" [")[0],
        "gunicorn": _version("gunicorn"),
        "structlog": _version("structlog"),
        "commit": _command_output(["git", "rev-parse", "--short", "HEAD"]),
    }
