"""Probe: CPU time of one `request_finished` through the pipeline configured as the app does.

`.venv/bin/python -m benchmarks.request_event_cost [json|off] [--profile]`: the file sink in
a temporary folder, the console (JSON, or off) writing to /dev/null, the error-email handler
installed (its SMTP server is never reached: it only sees ERROR). Prints the median CPU
microseconds per event of five batches; `--profile` adds cProfile's top functions on stderr.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

import structlog

from observability.logging_setup import configure_logging
from observability.settings import ObservabilitySettings

FIELDS = {"method": "GET", "path": "/index", "endpoint": "main.index", "status": 200,
          "duration_ms": 3.21, "db_queries": 4, "db_ms": 0.8, "user_id": 1,
          "remote_addr": "127.0.0.1"}
EVENTS = 20_000
BATCHES = 5


def main(argv: list[str]) -> None:
    """Configure, warm up, time BATCHES batches of events, print the median."""
    console = "off" not in argv
    profile = cProfile.Profile() if "--profile" in argv else None
    folder = Path(tempfile.mkdtemp())
    report = sys.stderr
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the console sink's target, kept open
    configure_logging(ObservabilitySettings(
        log_dir=folder / "logs", state_dir=folder / "state", log_level="INFO",
        console=console, console_format="json", mail_server="127.0.0.1", mail_port=1,
        admins=("admin@example.com",), secret_values=("benchmark-secret-key",)))
    log = structlog.get_logger("probe")
    structlog.contextvars.bind_contextvars(request_id="abc123def456", user_id=1)
    for _ in range(2_000):
        log.info("request_finished", **FIELDS)
    if profile is not None:
        profile.enable()
    per_event = []
    for _ in range(BATCHES):
        started = time.process_time()
        for _ in range(EVENTS // BATCHES):
            log.info("request_finished", **FIELDS)
        per_event.append((time.process_time() - started) * 1e6 / (EVENTS // BATCHES))
    if profile is not None:
        profile.disable()
        pstats.Stats(profile, stream=report).sort_stats("tottime").print_stats(25)
    median = sorted(per_event)[BATCHES // 2]
    print(f"console={'json' if console else 'off'}: {median:.2f} us CPU per event (median),"
          f" {min(per_event):.2f} min", file=report)


if __name__ == "__main__":
    main(sys.argv[1:])
