"""Our own structlog processors: small pure callables over an event dict.

Each takes `(logger, method_name, event_dict)` and returns the event dict. None does I/O or
reads globals, so each is testable with a plain dict.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any

from structlog.typing import EventDict, WrappedLogger

from observability.exception_text import format_exception_text
from observability.pipeline.json_lines import LEADING_FIELDS, STATIC_FIELD_NAMES

# Fields our pipeline owns: a foreign record's `extra` may not overwrite them (nor the
# python-json-logger static fields `service` and `host`).
RESERVED_FIELDS = frozenset(
    {*LEADING_FIELDS, "user_id", "trace_id", "span_id", "exception", "fingerprint",
     *STATIC_FIELD_NAMES}
)

# Attributes every LogRecord has, plus those formatters add (`message`, `asctime`) and
# uvicorn's duplicate of the message with ANSI colours (`color_message`).
_RECORD_ATTRIBUTES = frozenset(
    {*logging.LogRecord("", 0, "", 0, "", (), None).__dict__, "message", "asctime", "taskName",
     "color_message"}
)


class UTCTimestamper:
    """Processor: `timestamp` as ISO-8601 UTC with milliseconds and `Z`.

    Foreign (stdlib) records keep the time they were created; structlog events are stamped
    now. The `YYYY-MM-DDTHH:MM:SS` part is cached per second: most events share their second,
    and `time.strftime` is the costly part.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._cached: tuple[int, str] = (-1, "")

    def __call__(
        self, _logger: WrappedLogger, _method_name: str, event_dict: EventDict
    ) -> EventDict:
        """Stamp the event."""
        record = event_dict.get("_record")
        now = record.created if isinstance(record, logging.LogRecord) else self._clock()
        event_dict["timestamp"] = self.format(now)
        return event_dict

    def format(self, epoch_seconds: float) -> str:
        """`2026-11-24T04:32:48.123Z` for a POSIX timestamp."""
        # Via whole microseconds, as datetime does: 48.007 is the float 48.00699999..., and
        # truncating that straight to milliseconds would print .006.
        whole, micros = divmod(round(epoch_seconds * 1_000_000), 1_000_000)
        millis = micros // 1000
        cached_second, prefix = self._cached
        if whole != cached_second:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole))
            self._cached = (whole, prefix)
        return f"{prefix}.{millis:03d}Z"


def add_record_extras(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> EventDict:
    """Foreign-chain processor: a stdlib record's `extra=` fields join the event.

    They never replace a field our pipeline owns (a library's `extra={"request_id": ...}`
    cannot forge ours), private attributes and uvicorn's `color_message` are dropped.
    """
    record = event_dict.get("_record")
    if not isinstance(record, logging.LogRecord):
        return event_dict
    for key, value in record.__dict__.items():
        if key in _RECORD_ATTRIBUTES or key.startswith("_") or key in RESERVED_FIELDS:
            continue
        event_dict.setdefault(key, value)
    return event_dict


# Select Graphic Rendition: the colour and bold codes libraries wrap their messages in.
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi_styles(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> EventDict:
    """Foreign-chain processor: drop the colour codes a library put in its message (werkzeug).

    They are noise in a JSON file and in jq output; other escape sequences are left for the
    console's escaping to show.
    """
    event = event_dict.get("event")
    if isinstance(event, str) and "\x1b[" in event:
        event_dict["event"] = _ANSI_STYLE.sub("", event)
    return event_dict


# Control characters as Unicode "control pictures" (LF -> U+240A, ESC -> U+241B...): visible,
# unambiguous, and printable, so ConsoleRenderer's own repr() of some values leaves them as they
# are instead of doubling backslashes. Line separators show as U+2424, other C1 codes as U+FFFD.
_CONTROL_PICTURES = {
    **{code: chr(0x2400 + code) for code in range(0x20)},
    0x7F: "\u2421",
    **{code: "\ufffd" for code in range(0x80, 0xA0)},
    0x85: "\u2424",
    0x2028: "\u2424",
    0x2029: "\u2424",
}


def escape_control_chars(text: str) -> str:
    """`text` with control characters as visible symbols: no forged lines, no ANSI sequences."""
    return text.translate(_CONTROL_PICTURES)


def escape_for_console(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> EventDict:
    """Console-chain processor: escape control characters in every key and text value.

    The pretty console prints strings raw, unlike JSON; without this, a username holding a
    newline or an ANSI sequence would fake a log line or repaint the terminal.
    """
    return {_escape_value(key): _escape_value(value) for key, value in event_dict.items()}


def _escape_value(value: Any) -> Any:
    """A copy of `value` with every string in it escaped."""
    if isinstance(value, str):
        return escape_control_chars(value)
    if isinstance(value, dict):
        return {_escape_value(key): _escape_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_escape_value(item) for item in value]
    return value


def keep_werkzeug_banner_lines(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> EventDict:
    """Console-chain processor, after `escape_for_console`: werkzeug's startup text keeps its lines.

    The development server logs its warning and "Running on http://..." as one message; on
    the text console the URL then reads as a line of its own. Only a werkzeug message without
    %-arguments qualifies: that text is werkzeug's own, never a request's data.
    """
    record = event_dict.get("_record")
    if (
        isinstance(record, logging.LogRecord)
        and record.name == "werkzeug"
        and isinstance(record.msg, str)
        and "%" not in record.msg
        and isinstance(event_dict.get("event"), str)
    ):
        event_dict["event"] = event_dict["event"].replace(_LINE_FEED_PICTURE, "\n")
    return event_dict


_LINE_FEED_PICTURE = "\u240a"


def exception_as_text(
    _logger: WrappedLogger, _method_name: str, event_dict: EventDict
) -> EventDict:
    """Console-chain processor: the structured `exception` back as Python's traceback text.

    Run it after `escape_for_console`: the text's own line breaks are then the only ones.
    """
    stacks = event_dict.get("exception")
    if isinstance(stacks, list):
        event_dict["exception"] = format_exception_text(stacks)
    return event_dict

