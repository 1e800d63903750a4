"""Realistic log files for the triage tests: rotated, one gzip-compressed, with a corrupt line.

`write_standard_logs(log_dir)` writes one known story (below) the way the app writes its log:
one orjson object per line, leading fields first, errors with a structured `exception` and a
`fingerprint`. Tests state their expected answers in terms of the IDs named here.

    microblog.log.3.gz  10:00  app_startup; HOME (GET /index, user 7); BOOM1 (GET /explore, 500)
    microblog.log.2     10:04  LOGIN (POST /login, a login_failed warning, anonymous);
                               a truncated line of LOGIN's; CLIENT (a client's own lowercase ID)
    microblog.log.1     10:08  BOOM2 (same error as BOOM1, user 12); SPLIT starts (post_created)
    microblog.log       10:10  SPLIT ends; PROFILE (GET /user/susan, 500: RuntimeError from
                               KeyError); OTHER (a cache_miss that mentions HOME's ID); STATIC
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from observability.fingerprint import fingerprint

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)

HOME = "4HV7Q-2MXC9-PZ6TN"
BOOM1 = "0B1ZX-4K1P0-RT9WM"  # has 0 and 1: quoted as "ob1zx-4kip0-rt9wm" it must still match
LOGIN = "8JQ3N-5RS2V-WY7KA"
CLIENT = "ord-12-lab"  # an upstream proxy's ID, honoured as it came: folds to 0RD121AB
BOOM2 = "6CDEF-GHJKM-NPQRS"
SPLIT = "9PQRS-TVWXY-Z3456"
PROFILE = "3TVWX-YZ012-ABCDE"
OTHER = "5MNPQ-RSTVW-XYZ23"
STATIC = "7ABCD-EFGHJ-KMNPQ"

EXPLORE_FRAMES = [
    {"filename": "/srv/venv/lib/python3.11/site-packages/flask/app.py", "lineno": 880,
     "name": "full_dispatch_request"},
    {"filename": "/srv/microblog/app/main/routes.py", "lineno": 42, "name": "explore"},
]
PROFILE_CAUSE_FRAMES = [
    {"filename": "/srv/microblog/app/main/profiles.py", "lineno": 18, "name": "avatar_for"},
]
PROFILE_FRAMES = [
    {"filename": "/srv/microblog/app/main/profiles.py", "lineno": 30, "name": "user"},
]


def stamp(offset: timedelta) -> str:
    """The log's timestamp format for T0 + offset: ISO-8601 UTC, milliseconds, Z."""
    when = T0 + offset
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def at(minutes: float) -> str:
    """The timestamp `minutes` after T0."""
    return stamp(timedelta(minutes=minutes))


def event(when: str, level: str, name: str, request_id: str | None = None, **fields: Any
          ) -> dict[str, Any]:
    """One event dict with the leading fields in the order the app writes them."""
    record: dict[str, Any] = {"timestamp": when, "level": level, "event": name,
                              "logger": fields.pop("logger", "app.request")}
    if request_id is not None:
        record["request_id"] = request_id
        record.setdefault("user_id", fields.pop("user_id", None))
    record.update(fields)
    if level in {"error", "critical"}:
        record["fingerprint"] = fingerprint(record)
    return record


def stack(exc_type: str, exc_value: str, frames: list[dict[str, Any]], *, is_cause: bool = False
          ) -> dict[str, Any]:
    """One exception as structlog's dict_tracebacks writes it."""
    return {"exc_type": exc_type, "exc_value": exc_value, "exc_notes": [], "syntax_error": None,
            "is_cause": is_cause, "frames": frames, "is_group": False, "exceptions": []}


def request(when: str, request_id: str, method: str, path: str, status: int,
            user_id: int | None, **extra: Any) -> dict[str, Any]:
    """A `request_finished` event."""
    return event(when, "info", "request_finished", request_id, user_id=user_id, method=method,
                 path=path, status=status, duration_ms=12.5, remote_addr="10.0.0.5", **extra)


def crash(when: str, request_id: str, path: str, user_id: int | None,
          stacks: list[dict[str, Any]]) -> dict[str, Any]:
    """An `unhandled_exception` event as the app logs it for a 500."""
    return event(when, "error", "unhandled_exception", request_id, user_id=user_id,
                 logger="app", method="GET", path=path, remote_addr="10.0.0.5", exception=stacks)


def zero_division() -> list[dict[str, Any]]:
    return [stack("ZeroDivisionError", "division by zero", EXPLORE_FRAMES)]


def profile_failure() -> list[dict[str, Any]]:
    """RuntimeError raised from a KeyError: a chained traceback."""
    return [stack("RuntimeError", "profile failed", PROFILE_FRAMES),
            stack("KeyError", "'avatar'", PROFILE_CAUSE_FRAMES, is_cause=True)]


# A failed or slow request's trail, as `unhandled_exception` and a slow `request_finished`
# carry it: two statements (placeholders, no values) around a debug event.
BREADCRUMBS = [
    {"offset_ms": 1.0, "category": "sql", "message": "SELECT user.id FROM user WHERE id = ?",
     "duration_ms": 0.5},
    {"offset_ms": 2.0, "category": "log", "message": "cache_miss key=feed", "level": "debug"},
    {"offset_ms": 3.5, "category": "sql", "message": "INSERT INTO post (body) VALUES (?)",
     "duration_ms": 1.25},
]


# The truncated line: a writer died mid-line (it names LOGIN, so `show LOGIN` meets it).
CORRUPT_LINE = (b'{"timestamp":"2024-05-01T10:05:00.000Z","level":"info",'
                b'"event":"request_finished","logger":"app.request","request_id":"8JQ3N-5RS2V-WY7KA","us')


@dataclass(frozen=True)
class LogFile:
    """One file of the set: its name, its lines, whether it is gzip-compressed."""

    name: str
    events: list[dict[str, Any]]
    compressed: bool = False
    # (position, raw line): written verbatim before events[position] (or last, at len(events))
    extra_lines: tuple[tuple[int, bytes], ...] = ()


def standard_story() -> list[LogFile]:
    """The story in the module docstring, oldest file first."""
    return [
        LogFile("microblog.log.3.gz", compressed=True, events=[
            event(at(0), "info", "app_startup", logger="observability", pid=101, version="0.1.0"),
            request(at(1), HOME, "GET", "/index", 200, 7),
            crash(at(2), BOOM1, "/explore", 7, zero_division()),
            request(at(2.001), BOOM1, "GET", "/explore", 500, 7),
        ]),
        LogFile("microblog.log.2", events=[
            event(at(4), "warning", "login_failed", LOGIN, logger="app.auth", username="bob"),
            request(at(4.001), LOGIN, "POST", "/login", 200, None),
            request(at(6), CLIENT, "GET", "/explore", 200, 12),
        ], extra_lines=((2, CORRUPT_LINE),)),
        LogFile("microblog.log.1", events=[
            crash(at(8), BOOM2, "/explore", 12, zero_division()),
            request(at(8.001), BOOM2, "GET", "/explore", 500, 12),
            event(at(9.99), "info", "post_created", SPLIT, user_id=12, logger="app.main",
                  post_id=77),
        ]),
        LogFile("microblog.log", events=[
            request(at(10.01), SPLIT, "POST", "/index", 302, 12),
            crash(at(11), PROFILE, "/user/susan", 3, profile_failure()),
            request(at(11.001), PROFILE, "GET", "/user/susan", 500, 3),
            event(at(11.5), "debug", "cache_miss", OTHER, user_id=3, key=HOME),
            request(at(12), STATIC, "GET", "/static/app.css", 200, None),
        ]),
    ]


def encode(record: dict[str, Any]) -> bytes:
    """The JSON line the app would write for `record` (without the newline)."""
    return orjson.dumps(record)


def file_lines(log_file: LogFile) -> Iterator[bytes]:
    """Every raw line of a file, corrupt ones in their place."""
    inserted = dict(log_file.extra_lines)
    for position, record in enumerate(log_file.events):
        if position in inserted:
            yield inserted[position]
        yield encode(record)
    if len(log_file.events) in inserted:
        yield inserted[len(log_file.events)]


def write_log_files(log_dir: Path, files: Iterable[LogFile]) -> Path:
    """Write the files into `log_dir` (created); returns `log_dir`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    for log_file in files:
        data = b"".join(line + b"\n" for line in file_lines(log_file))
        path = log_dir / log_file.name
        path.write_bytes(gzip.compress(data) if log_file.compressed else data)
    return log_dir


def write_standard_logs(log_dir: Path) -> Path:
    """The standard story, written to `log_dir`."""
    return write_log_files(log_dir, standard_story())


def all_events(files: Iterable[LogFile] | None = None) -> list[dict[str, Any]]:
    """Every valid event of the story, oldest first."""
    return [record for log_file in files or standard_story() for record in log_file.events]
