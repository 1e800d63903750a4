"""Figure: requests sent vs request_finished lines found, 4 workers, the log rotating throughout."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from benchmarks.bench import Bench
from benchmarks.client import send_requests
from benchmarks.core import Result, Target
from benchmarks.servers import app_server

NAME = "multi-process log integrity"
TARGET = Target("==", 1.0, label="100 %, 0 torn lines")
HOW = ("requests sent (each with its own X-Request-ID) over request_finished lines found,"
       " 4 workers, 64 KiB rotation; lines that are not one JSON object are torn")
WORKERS = 4
CLIENT_THREADS = 8
MAX_BYTES = 64 * 1024  # small, so a few thousand requests rotate the file a few dozen times
BACKUPS = 500  # enough that no line is rotated away before it is counted


def request_id(number: int) -> str:
    """Each request carries its own ID, so every line can be matched to one request."""
    return f"bench-integrity-{number:06d}"


def read_log(log_dir: Path) -> tuple[Counter[str], int, int, int]:
    """(request_finished count per request ID, lines, torn lines, files) over all rotations."""
    found: Counter[str] = Counter()
    lines = torn = files = 0
    for path in log_dir.glob("microblog.log*"):
        if path.name.endswith(".lock"):
            continue
        files += 1
        for raw in path.read_bytes().split(b"\n"):
            if not raw:
                continue
            lines += 1
            try:
                event = json.loads(raw)
            except ValueError:
                torn += 1
                continue
            if not isinstance(event, dict):
                torn += 1
            elif event.get("event") == "request_finished":
                found[str(event.get("request_id"))] += 1
    return found, lines, torn, files


def measure(bench: Bench, result: Result) -> None:
    """Flat-out logged-in /index from 8 threads; afterwards every line must parse and match."""
    count = bench.scale.integrity_requests
    cookie = bench.site().cookie
    with app_server(bench, "integrity", WORKERS, LOG_LEVEL="INFO", LOG_MAX_BYTES=str(MAX_BYTES),
                    LOG_BACKUP_COUNT=str(BACKUPS)) as app:
        sent = send_requests(app.server.url, "/index", count, CLIENT_THREADS,
                             headers_for=lambda n: {"Cookie": cookie,
                                                    "X-Request-ID": request_id(n)})
    found, lines, torn, files = read_log(app.log_dir)  # after the graceful stop: all flushed
    if sent.statuses.get(200, 0) != count:
        raise RuntimeError(f"expected {count} 200s, got {dict(sent.statuses)}"
                           f" and {sent.failures} failed requests")
    ours = {request_id(n) for n in range(count)}
    matched = sum(1 for rid in ours if found[rid] >= 1)
    duplicated = sum(1 for rid in ours if found[rid] > 1)
    ratio = matched / count
    result.judge(ratio, f"{ratio:.1%}, {torn} torn")
    result.passed = ratio == 1.0 and torn == 0 and duplicated == 0
    result.context += [
        f"{count:,} requests sent, {matched:,} request_finished lines matched by request ID,"
        f" {duplicated} duplicated",
        f"{lines:,} lines in {files} files (LOG_MAX_BYTES={MAX_BYTES}), {torn} not one JSON"
        " object",
        f"{sent.seconds:.1f} s, {CLIENT_THREADS} client threads, {WORKERS} workers",
    ]
    result.commands += [app.server.command,
                        f"{count} GET /index, each with its own X-Request-ID (Python http.client,"
                        f" {CLIENT_THREADS} threads)"]
