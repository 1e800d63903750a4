"""The request's trail: SQL statements and unwritten debug events, kept in memory, told on failure.

While a request runs, a `Trail` in a contextvar counts its queries and database time and keeps
the last `BREADCRUMBS_MAX` breadcrumbs (a bounded deque: memory stays flat, and the trail is
dropped with the request). Nothing of it is written unless the request fails or is slow; then
`breadcrumbs()` turns it into plain dicts for the event. Entries are stored raw and only
formatted then, so a request that succeeds pays an append per breadcrumb and nothing more.

`CaptureBelowLevel` is a pure structlog processor, first in the chain: an event below LOG_LEVEL
joins the active trail (if any) and is dropped. Outside a request it is a dict lookup, a
contextvar read and a `DropEvent`.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from structlog import DropEvent
from structlog.typing import EventDict, WrappedLogger

from observability.pipeline.redaction import REDACTED, is_sensitive_key

MAX_MESSAGE_CHARS = 300  # a statement or a debug line is a hint, not a dump
DEFAULT_MAX_BREADCRUMBS = 50

_LEVEL_NUMBERS = {"debug": 10, "info": 20, "warning": 30, "warn": 30, "error": 40,
                  "exception": 40, "critical": 50, "fatal": 50}

# Raw entries: (perf_counter at start, "sql", statement, seconds, failure or None)
#              (perf_counter, "log", level, event dict, None)
_Entry = tuple[float, str, Any, Any, Any]

_ACTIVE: ContextVar[Trail | None] = ContextVar("microblog_request_trail", default=None)


class Trail:
    """One request's database counters and its bounded list of breadcrumbs."""

    __slots__ = ("_entries", "db_queries", "db_seconds", "started")

    def __init__(self, max_breadcrumbs: int = DEFAULT_MAX_BREADCRUMBS,
                 started: float | None = None) -> None:
        self.started = time.perf_counter() if started is None else started
        self.db_queries = 0
        self.db_seconds = 0.0
        self._entries: deque[_Entry] = deque(maxlen=max(0, max_breadcrumbs))

    @property
    def keeps_breadcrumbs(self) -> bool:
        """False when BREADCRUMBS_MAX is 0: only the counters are kept."""
        return bool(self._entries.maxlen)

    @property
    def db_ms(self) -> float:
        """Time spent in the database driver so far, in milliseconds."""
        return round(self.db_seconds * 1000, 3)

    def add_query(self, statement: str, started: float, seconds: float,
                  failure: str | None = None) -> None:
        """Count one statement and keep it (its text only: the parameters never come here)."""
        self.db_queries += 1
        self.db_seconds += seconds
        self._entries.append((started, "sql", statement, seconds, failure))

    def add_log(self, level: str, event_dict: Mapping[str, Any]) -> None:
        """Keep an event that LOG_LEVEL kept out of the log."""
        self._entries.append((time.perf_counter(), "log", level, event_dict, None))

    def breadcrumbs(self) -> list[dict[str, Any]]:
        """The trail, oldest first, as `{offset_ms, category, message, duration_ms | level}`."""
        crumbs = []
        for at, category, what, detail, failure in self._entries:
            crumb: dict[str, Any] = {"offset_ms": round((at - self.started) * 1000, 3),
                                     "category": category}
            if category == "sql":
                message = _one_line(str(what))
                if failure:
                    message = f"{message}  -- failed: {failure}"
                crumb["message"] = _truncate(message)
                crumb["duration_ms"] = round(detail * 1000, 3)
            else:
                crumb["message"] = _truncate(describe_event(detail))
                crumb["level"] = what
            crumbs.append(crumb)
        return crumbs


def begin_trail(max_breadcrumbs: int, started: float | None = None) -> Trail:
    """Start the trail of the request this context now handles."""
    trail = Trail(max_breadcrumbs, started)
    _ACTIVE.set(trail)
    return trail


def end_trail() -> None:
    """The request is over: nothing more is counted, and the trail can be freed."""
    _ACTIVE.set(None)


def active_trail() -> Trail | None:
    """The trail of the request being handled, or None (CLI commands, start-up, threads)."""
    return _ACTIVE.get()


def describe_event(event_dict: Mapping[str, Any]) -> str:
    """`event key=value …`, values of sensitive keys replaced as the Redactor would."""
    parts = [str(event_dict.get("event", "?"))]
    for key, value in event_dict.items():
        if key == "event":
            continue
        shown = REDACTED if is_sensitive_key(key) else _short_text(value)
        parts.append(f"{key}={shown}")
    return _one_line(" ".join(parts))


class CaptureBelowLevel:
    """Processor: an event below `min_level` joins the request's trail and is not written."""

    __slots__ = ("min_level",)

    def __init__(self, min_level: int) -> None:
        self.min_level = min_level

    def __call__(self, _logger: WrappedLogger, method_name: str, event_dict: EventDict
                 ) -> EventDict:
        """Pass events at or above the level on; keep (inside a request) and drop the rest."""
        if _LEVEL_NUMBERS.get(method_name, 100) >= self.min_level:
            return event_dict
        trail = _ACTIVE.get()
        if trail is not None:
            trail.add_log(method_name, event_dict)
        raise DropEvent


def _short_text(value: object) -> str:
    try:
        text = value if isinstance(value, str) else repr(value)
    except Exception as error:  # a broken __repr__ must not break the error path
        text = f"<unprintable {type(value).__name__}: {type(error).__name__}>"
    return text[:MAX_MESSAGE_CHARS]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 1] + "…"
