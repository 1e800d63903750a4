"""Log events as text people read: one line per event, a request as a timeline with its traceback.

`flask logs` prints exactly this, and the admin console shows the same text, so what an admin
reads on the page and in a terminal never differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from observability.exception_text import format_exception_text
from observability.search.files import parse_timestamp
from observability.story_text import format_breadcrumbs

# Shown in the line's fixed columns (or as the traceback, the breadcrumbs), so not repeated
# as key=value.
_COLUMNS = frozenset({"timestamp", "level", "event", "request_id", "exception", "logger",
                      "breadcrumbs"})
_FIRST_FIELDS = ("method", "path", "status", "duration_ms", "db_queries", "db_ms", "slow",
                 "user_id", "remote_addr", "error")
_TRACE_FIELDS = ("trace_id", "span_id")
_BARE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@+%,")


def format_value(value: Any) -> str:
    """A field value for `key=value`: bare when unambiguous, else JSON (quotes, escapes)."""
    if isinstance(value, str) and value and all(char in _BARE for char in value):
        return value
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return orjson.dumps(str(value)).decode()


def format_fields(event: Mapping[str, Any], hidden: Iterable[str] = ()) -> str:
    """The event's own fields as `key=value`, the request fields first, the logger last."""
    skip = _COLUMNS.union(_FIRST_FIELDS, hidden)
    keys = [key for key in _FIRST_FIELDS if key in event]
    keys += [key for key in event if key not in skip]
    if "logger" in event:
        keys.append("logger")
    return " ".join(f"{key}={format_value(event[key])}" for key in keys)


def format_event_line(
    event: Mapping[str, Any], *, with_request_id: bool = False, hidden: Iterable[str] = ()
) -> str:
    """`time  LEVEL  event  [request id]  key=value …` on one line."""
    columns = [
        str(event.get("timestamp", "?")),
        f"{str(event.get('level', '?')).upper():<8}",
        str(event.get("event", "?")),
    ]
    if with_request_id:
        columns.append(str(event.get("request_id") or "-"))
    fields = format_fields(event, hidden)
    return "  ".join(columns + ([fields] if fields else []))


def exception_text(event: Mapping[str, Any]) -> str:
    """The event's traceback as Python prints it ('' when it carries none)."""
    exception = event.get("exception")
    if isinstance(exception, list) and exception:
        text = format_exception_text([stack for stack in exception if isinstance(stack, dict)])
    elif isinstance(exception, str):  # structlog's format_exc_info already made it text
        text = exception
    else:
        return ""
    return text if text.endswith("\n") else text + "\n"


def format_event(
    event: Mapping[str, Any], *, with_request_id: bool = False, hidden: Iterable[str] = ()
) -> str:
    """The event's line, then its breadcrumbs and its traceback when it has them."""
    line = format_event_line(event, with_request_id=with_request_id, hidden=hidden) + "\n"
    crumbs = format_breadcrumbs(event.get("breadcrumbs"))
    traceback = exception_text(event)
    return line + crumbs + (traceback + "\n" if traceback else "")


def describe_request(events: Sequence[Mapping[str, Any]]) -> str:
    """The timeline's heading: which ID, how many events, from when to when, how long."""
    spellings = sorted({str(event.get("request_id")) for event in events})
    plural = "s" if len(events) != 1 else ""
    heading = f"request {', '.join(spellings)}: {len(events)} event{plural}"
    times = [parse_timestamp(str(event.get("timestamp", ""))) for event in events]
    known = [when for when in times if when is not None]
    if known:
        start, end = min(known), max(known)
        elapsed_ms = (end - start).total_seconds() * 1000
        heading += f", {start.isoformat(timespec='milliseconds')} to"
        heading += f" {end.isoformat(timespec='milliseconds')} ({elapsed_ms:.0f} ms)"
    traces = sorted({
        " ".join(f"{key}={event[key]}" for key in _TRACE_FIELDS if event.get(key))
        for event in events if event.get("trace_id")
    })
    return "\n".join([heading.replace("+00:00", "Z"), *traces])


def render_timeline(events: Sequence[Mapping[str, Any]]) -> str:
    """A request's events, in the order given, under a heading; tracebacks in full."""
    if not events:
        return ""
    # The heading names the trace once; repeating it on every line would only add noise.
    body = "".join(format_event(event, hidden=_TRACE_FIELDS) for event in events)
    return f"{describe_request(events)}\n\n{body}"
