"""Realistic log files for the search figure: the app's JSON lines, rotated, generated once."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from observability.request_id import CROCKFORD_ALPHABET

FILE_BYTES = 10 * 1024 * 1024  # the default LOG_MAX_BYTES
PATHS = ("/index", "/explore", "/user/alice", "/user/bob", "/edit_profile", "/login", "/healthz",
         "/static/css/app.css", "/follow/carol")
APP_EVENTS = ("post_published", "user_logged_in", "profile_updated", "user_followed")
FORMAT_VERSION = 1  # bump when the lines change, so cached corpora are rebuilt


def _request_id(rng: random.Random) -> str:
    symbols = "".join(rng.choice(CROCKFORD_ALPHABET) for _ in range(15))
    return f"{symbols[:5]}-{symbols[5:10]}-{symbols[10:]}"


def _traceback_frames(rng: random.Random) -> list[dict[str, object]]:
    return [{"filename": f"/srv/microblog/{name}", "lineno": rng.randint(10, 300),
             "name": function, "line": "result = session.execute(statement)"}
            for name, function in (("app/main/routes.py", "index"),
                                   ("app/models.py", "following_posts"),
                                   ("sqlalchemy/engine/base.py", "_execute_context"))]


def request_lines(rng: random.Random, when: datetime, request_id: str, failing: bool = False
                  ) -> Iterator[dict[str, object]]:
    """The events of one request: sometimes an app event or an error, always request_finished."""
    user_id = rng.choice([None, *range(1, 200)])
    path = rng.choice(PATHS)
    common = {"logger": "app.requests", "request_id": request_id, "user_id": user_id}
    stamp = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    status = 200
    if failing or rng.random() < 0.2:
        yield {"timestamp": stamp, "level": "info", "event": rng.choice(APP_EVENTS),
               **common, "logger": "app.main"}
    if failing or rng.random() < 0.002:
        status = 500
        yield {"timestamp": stamp, "level": "error", "event": "unhandled_exception", **common,
               "method": "GET", "path": path, "fingerprint": "3f9a1c22b7de",
               "exception": [{"exc_type": "OperationalError", "exc_value": "no such table: post",
                              "frames": _traceback_frames(rng)}]}
    yield {"timestamp": stamp, "level": "info", "event": "request_finished", **common,
           "method": "GET", "path": path, "status": status,
           "duration_ms": round(rng.uniform(1, 80), 3), "remote_addr": "10.0.0.7"}


def generate(folder: Path, megabytes: int, seed: int = 6) -> str:
    """Write ~`megabytes` of rotated files into `folder`; returns a request ID to search for."""
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    total = megabytes * 1024 * 1024
    per_file = min(FILE_BYTES - 4096, total // 3)  # rotated files stop just short of the limit
    rotated = total // per_file
    when = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    needle = ""
    folder.mkdir(parents=True, exist_ok=True)
    # Oldest first: .N down to .1, then a small live file that appends will not rotate.
    for index in range(rotated, -1, -1):
        name = "microblog.log" + (f".{index}" if index else "")
        limit = per_file if index else max(64 * 1024, total - rotated * per_file)
        chunk, size = [], 0
        while size < limit:
            when += timedelta(milliseconds=rng.randint(1, 40))
            request_id = _request_id(rng)
            failing = not needle and index == (rotated + 1) // 2 and size > limit // 2
            if failing:
                needle = request_id  # mid-corpus: an app event, an error and its request line
            for event in request_lines(rng, when, request_id, failing):
                chunk.append(orjson.dumps(event))
                size += len(chunk[-1]) + 1
        (folder / name).write_bytes(b"\n".join(chunk) + b"\n")
    return needle


def cached_corpus(cache: Path, megabytes: int) -> tuple[Path, str]:
    """The corpus folder and its needle, generated on first use and kept under .bench/."""
    folder = cache / f"logs-{megabytes}mb-v{FORMAT_VERSION}"
    meta = folder / "corpus.json"
    if not meta.exists():
        needle = generate(folder, megabytes)
        meta.write_text(json.dumps({"needle": needle, "megabytes": megabytes}))
    return folder, str(json.loads(meta.read_text())["needle"])
