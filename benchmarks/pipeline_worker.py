"""One log-pipeline measurement in a fresh process: `python -m benchmarks.pipeline_worker K N D`.

Each kind gets its own interpreter because logging configuration is process-global: our pipeline
and the stdlib baseline must not share a root logger. Prints one JSON object with the timing.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024  # the default LOG_MAX_BYTES: a full run (60,000 events) rotates
BACKUPS = 20  # enough that no event is rotated away, so the lines can be counted
FIELDS = {"method": "GET", "path": "/index", "status": 200, "duration_ms": 12.345,
          "user_id": 1, "remote_addr": "127.0.0.1"}
REQUEST_ID = "7K3MQ-9XA2B-TR5WN"


Clocks = tuple[float, float]  # (wall seconds, CPU seconds) of the logging loop alone


def clocks() -> Clocks:
    """Both clocks; CPU time (user + system, so write syscalls count) is what the figures use,
    because on a shared machine wall time also counts the moments spent waiting for a core."""
    return time.perf_counter(), time.process_time()


def since(start: Clocks) -> Clocks:
    """Elapsed (wall, CPU) since `start`."""
    wall, cpu = clocks()
    return wall - start[0], cpu - start[1]


def run_ours(events: int, log_dir: Path) -> Clocks:
    """Our pipeline as the app wires it (structlog, then stdlib logging, then our rotating JSON
    file sink), console off, reached only through `configure_logging` and `structlog.get_logger`."""
    import structlog

    from observability.logging_setup import configure_logging
    from observability.settings import ObservabilitySettings

    configure_logging(ObservabilitySettings(
        log_dir=log_dir, state_dir=log_dir, console=False, log_max_bytes=MAX_BYTES,
        log_backup_count=BACKUPS))
    structlog.contextvars.bind_contextvars(request_id=REQUEST_ID, user_id=1)
    log = structlog.get_logger("app.requests")
    started = clocks()
    for _ in range(events):
        log.info("request_finished", **FIELDS)
    return since(started)


def run_stdlib(events: int, log_dir: Path) -> Clocks:
    """The usual recipe: python-json-logger on a stdlib RotatingFileHandler."""
    from pythonjsonlogger.json import JsonFormatter

    handler = RotatingFileHandler(log_dir / "microblog.log", maxBytes=MAX_BYTES,
                                  backupCount=BACKUPS, encoding="utf-8")
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{name}{message}", style="{",
        rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger",
                       "message": "event"}))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    log = logging.getLogger("app.requests")
    extra = {**FIELDS, "request_id": REQUEST_ID}
    started = clocks()
    for _ in range(events):
        log.info("request_finished", extra=extra)
    elapsed = since(started)
    handler.close()
    return elapsed


RUNNERS = {"ours": run_ours, "stdlib": run_stdlib}


def count_lines(log_dir: Path) -> tuple[int, int]:
    """(`request_finished` lines, lines that are not one JSON object) over the file and its
    rotated copies; other lines (a pipeline's own start-up event, say) are not counted."""
    lines = bad = 0
    for path in log_dir.glob("microblog.log*"):
        if path.name.endswith(".lock"):
            continue
        for raw in path.read_bytes().splitlines():
            try:
                event = json.loads(raw)
            except ValueError:
                bad += 1
                continue
            if not isinstance(event, dict):
                bad += 1
            elif event.get("event") == "request_finished":
                lines += 1
    return lines, bad


def main(argv: list[str]) -> None:
    """Run one kind and print `{"kind", "events", "seconds", "cpu_seconds", "lines", ...}`."""
    kind, events, log_dir = argv[0], int(argv[1]), Path(argv[2])
    log_dir.mkdir(parents=True, exist_ok=True)
    seconds, cpu_seconds = RUNNERS[kind](events, log_dir)
    lines, bad = count_lines(log_dir)
    print(json.dumps({"kind": kind, "events": events, "seconds": seconds,
                      "cpu_seconds": cpu_seconds, "lines": lines, "bad_lines": bad}))


if __name__ == "__main__":
    main(sys.argv[1:])
