"""python-json-logger renders every JSON line: the file, the JSON console, the email sink.

structlog's processors build the event dict (ours before the record exists, a library's in its
handler's `ProcessorFormatter`); the last processor, `PythonJsonRenderer`, hands the finished dict
to python-json-logger as a record's message, which it renders natively ("message fields").
Its `static_fields` add `service` and `host` to every line.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

from pythonjsonlogger.core import LogData
from pythonjsonlogger.orjson import OrjsonFormatter
from structlog.typing import EventDict, WrappedLogger

SERVICE_NAME = "microblog"

# The fields every line starts with, in this order, so `tail -f` reads left to right.
LEADING_FIELDS = ("timestamp", "level", "event", "logger", "request_id")

# orjson leaves U+2028, U+2029 and U+0085 raw (valid JSON), but naive splitters such as
# Python's `str.splitlines` break lines there. In JSON text they can only occur inside
# strings, where the escaped form means the same character.
_LINE_SEPARATOR_ESCAPES = str.maketrans(
    {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}
)


STATIC_FIELD_NAMES = ("service", "host")


def static_fields() -> dict[str, str]:
    """What every line carries so lines shipped from several hosts to one store stay apart."""
    return dict(zip(STATIC_FIELD_NAMES, (SERVICE_NAME, socket.gethostname()), strict=True))


class EventJsonFormatter(OrjsonFormatter):
    """python-json-logger's orjson formatter, for records whose message is a processed event.

    The record's own attributes are not fields (`fmt=()`, and `add_fields` merges no record
    attributes): the processors already put the level, logger name, time and a library
    record's `extra` fields (never over ours) into the event, redacted. Line separators are
    escaped so that one event is one line for every reader.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("static_fields", static_fields())
        super().__init__(fmt=(), **kwargs)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """The leading fields first, then `service`, `host` and the event's own, in order."""
        for key in LEADING_FIELDS:
            if key in message_dict:
                log_data[key] = message_dict[key]
        log_data.update(self.static_fields)
        log_data.update(message_dict)

    def jsonify_log_record(self, log_data: LogData) -> str:
        """orjson's text with line separators escaped."""
        text = super().jsonify_log_record(log_data)
        if "\u2028" in text or "\u2029" in text or "\x85" in text:
            text = text.translate(_LINE_SEPARATOR_ESCAPES)
        return text


class PythonJsonRenderer:
    """Last processor of a `ProcessorFormatter`: the event dict, rendered by python-json-logger.

    It takes the place of `ProcessorFormatter.remove_processors_meta`: the record being
    formatted (ProcessorFormatter's own copy, `_record`) gets the processed event dict as its
    message, and python-json-logger formats it.
    """

    def __init__(self, formatter: logging.Formatter | None = None) -> None:
        self.formatter = formatter or EventJsonFormatter()

    def __call__(self, _logger: WrappedLogger, _method_name: str, event_dict: EventDict) -> str:
        """One JSON object on one line."""
        record = event_dict.pop("_record", None)
        event_dict.pop("_from_structlog", None)
        if not isinstance(record, logging.LogRecord):  # called outside a ProcessorFormatter
            record = logging.makeLogRecord({})
        record.msg = event_dict
        return self.formatter.format(record)
