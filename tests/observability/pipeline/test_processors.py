"""Our processors and renderers, called as pure functions on plain dicts with None as the logger."""

from __future__ import annotations

import calendar
import logging

from observability.pipeline.exceptions import structured_exception
from observability.pipeline.processors import (
    UTCTimestamper,
    add_record_extras,
    escape_control_chars,
    escape_for_console,
    exception_as_text,
    keep_werkzeug_banner_lines,
    strip_ansi_styles,
)

# 2026-11-24T04:32:48Z as a POSIX timestamp.
EPOCH = calendar.timegm((2026, 11, 24, 4, 32, 48, 0, 0, 0))


def _record(**extra: object) -> logging.LogRecord:
    """A stdlib record as a third-party logger would make it, with `extra=` fields."""
    record = logging.LogRecord("sqlalchemy.engine", logging.INFO, "x.py", 1, "hi %s", ("you",),
                               None)
    record.__dict__.update(extra)
    return record


def test_timestamp_is_iso_utc_with_milliseconds_and_z() -> None:
    """Events are stamped with the clock as `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    stamp = UTCTimestamper(clock=lambda: EPOCH + 0.1239)
    assert stamp(None, "info", {})["timestamp"] == "2026-11-24T04:32:48.123Z"


def test_timestamp_truncates_milliseconds_and_pads_them() -> None:
    """Milliseconds are truncated (never rounded into the next second) and zero-padded."""
    stamp = UTCTimestamper()
    assert stamp.format(EPOCH + 0.9999) == "2026-11-24T04:32:48.999Z"
    assert stamp.format(EPOCH + 0.007) == "2026-11-24T04:32:48.007Z"


def test_timestamp_cache_follows_the_second() -> None:
    """The cached date part is refreshed when the second changes, also going backwards."""
    stamp = UTCTimestamper()
    assert stamp.format(EPOCH) == "2026-11-24T04:32:48.000Z"
    assert stamp.format(EPOCH + 72.5) == "2026-11-24T04:34:00.500Z"
    assert stamp.format(EPOCH - 86400) == "2026-11-23T04:32:48.000Z"


def test_foreign_records_keep_their_creation_time() -> None:
    """A stdlib record is stamped with `record.created`, not with the time it is formatted."""
    record = _record()
    record.created = EPOCH + 0.5
    stamp = UTCTimestamper(clock=lambda: EPOCH + 3600)
    assert stamp(None, "info", {"_record": record})["timestamp"] == "2026-11-24T04:32:48.500Z"


def test_record_extras_join_the_event_but_never_replace_our_fields() -> None:
    """`extra=` fields are added; `request_id`, `color_message` and private ones are not taken."""
    record = _record(rows=3, request_id="forged", color_message="\x1b[1mhi\x1b[0m", _secret=1)
    event = add_record_extras(None, "info", {"_record": record, "request_id": "REAL"})
    assert event["rows"] == 3
    assert event["request_id"] == "REAL"
    assert "color_message" not in event
    assert "_secret" not in event
    assert "args" not in event and "msg" not in event and "levelname" not in event


def test_record_extras_cannot_add_a_request_id_outside_a_request() -> None:
    """Without a bound request, a library still cannot invent our correlation fields."""
    record = _record(request_id="forged", user_id=7, level="fake")
    event = add_record_extras(None, "info", {"_record": record})
    assert {"request_id", "user_id", "level"}.isdisjoint(event)


def test_record_extras_ignores_structlog_events() -> None:
    """An event without a record (ours) passes unchanged."""
    assert add_record_extras(None, "info", {"event": "x"}) == {"event": "x"}


def test_escape_control_chars_makes_them_visible() -> None:
    """Line breaks, escape sequences and separators become visible symbols; text stays."""
    assert escape_control_chars("a\nb\x1b[2Jc\u2028d\x85\x9bé\t") == "a␊b␛[2Jc␤d␤\ufffdé␉"


def test_console_escaping_covers_keys_and_nested_values() -> None:
    """Every string in the event, at any depth, is escaped for the pretty console."""
    event = escape_for_console(None, "info", {"user\n": {"name": ["x\ny"]}, "n": 3})
    assert event == {"user␊": {"name": ["x␊y"]}, "n": 3}


def test_exception_as_text_turns_the_structure_into_a_traceback() -> None:
    """The console shows the structured exception as Python's familiar text."""
    try:
        raise ValueError("bad value")
    except ValueError as error:
        event = {"event": "x", "exception": structured_exception(error)}
    text = exception_as_text(None, "error", event)["exception"]
    assert text.startswith("Traceback (most recent call last):\n  File ")
    assert text.endswith("ValueError: bad value")


def test_exception_as_text_leaves_other_events_alone() -> None:
    """An event without a structured exception is untouched."""
    assert exception_as_text(None, "info", {"event": "x"}) == {"event": "x"}


def test_library_colour_codes_are_stripped_from_messages() -> None:
    """werkzeug's red-and-bold banner is plain text in the log; other text is untouched."""
    event = {"event": "\x1b[31m\x1b[1mWARNING: dev server\x1b[0m\n * Running"}
    assert strip_ansi_styles(None, "info", event)["event"] == "WARNING: dev server\n * Running"
    assert strip_ansi_styles(None, "info", {"event": "plain"}) == {"event": "plain"}


def test_werkzeug_startup_text_keeps_its_lines_on_the_console() -> None:
    """werkzeug's own multi-line banner keeps its breaks; a message with arguments does not."""
    banner = logging.LogRecord("werkzeug", logging.INFO, "x.py", 1,
                               "WARNING: dev server\n * Running on http://127.0.0.1:5000", (), None)
    request_line = logging.LogRecord("werkzeug", logging.INFO, "x.py", 1, "code 400: %s",
                                     ("a\nb",), None)
    for record, expected in ((banner, "WARNING: dev server\n * Running on http://127.0.0.1:5000"),
                             (request_line, "code 400: a␊b")):
        event = escape_for_console(None, "info", {"event": record.getMessage(), "_record": record})
        assert keep_werkzeug_banner_lines(None, "info", event)["event"] == expected
