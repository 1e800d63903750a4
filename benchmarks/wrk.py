"""Load from wrk, read back as numbers through a Lua `done` hook instead of scraping its text."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# wrk calls done() once at the end; latencies are in microseconds.
_REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d,'
    .. ' "connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


@dataclass(frozen=True)
class WrkRun:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int
    command: str

    @property
    def rate(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


# Every request of a run, the seeding login's included, names one client: Flask-Login's session
# protection would otherwise see a new user agent on wrk's requests and re-sign the session cookie
# on every response, a cost no real browser (which keeps its cookie) pays.
USER_AGENT = "microblog-bench/1"


def wrk_available() -> bool:
    """Whether the load generator is installed (the bench target installs it)."""
    return shutil.which("wrk") is not None


def run_wrk(url: str, seconds: int, connections: int = 4, threads: int = 1,
            headers: dict[str, str] | None = None) -> WrkRun:
    """Load `url` for `seconds`; one thread leaves the second core to the server's workers."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_REPORT_LUA)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", script.name]
    for name, value in {"User-Agent": USER_AGENT, **(headers or {})}.items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    try:
        completed = subprocess.run(  # noqa: S603 (wrk with our own arguments)
            command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    finally:
        Path(script.name).unlink()
    marker = next((line for line in completed.stdout.splitlines()
                   if line.startswith("WRK_JSON ")), None)
    if marker is None:
        raise RuntimeError(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    data = json.loads(marker.removeprefix("WRK_JSON "))
    # The session cookie is a credential: the report shows that one was sent, not its value.
    shown = ["<report.lua>" if part == script.name else
             ("Cookie: session=…" if part.startswith("Cookie:") else part) for part in command]
    return WrkRun(
        requests=data["requests"], seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        non_2xx_3xx=data["status"],
        socket_errors=data["connect"] + data["read"] + data["write"] + data["timeout"],
        command=shlex.join(shown))

