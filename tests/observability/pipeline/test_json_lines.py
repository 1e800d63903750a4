"""python-json-logger as our line renderer: field order, static fields, one line per event."""

from __future__ import annotations

import json
import logging
import socket

import pytest

from observability.pipeline.json_lines import EventJsonFormatter, PythonJsonRenderer

render = PythonJsonRenderer()


def test_leading_fields_come_first_then_service_and_host() -> None:
    """timestamp, level, event, logger and request_id lead, then the static fields, the rest."""
    event = {"b": 1, "request_id": "R", "logger": "l", "event": "e", "a": 2, "level": "info",
             "timestamp": "t"}
    line = render(None, "info", event)
    assert list(json.loads(line)) == ["timestamp", "level", "event", "logger", "request_id",
                                      "service", "host", "b", "a"]


def test_static_fields_name_the_service_and_the_host() -> None:
    """Every line says which service and host wrote it."""
    fields = json.loads(render(None, "info", {"event": "e"}))
    assert fields == {"event": "e", "service": "microblog", "host": socket.gethostname()}


def test_the_event_dict_is_left_alone() -> None:
    """Rendering does not consume the dict (another handler may render it too)."""
    event = {"event": "e", "level": "info", "x": [1]}
    render(None, "info", event)
    assert event == {"event": "e", "level": "info", "x": [1]}


@pytest.mark.parametrize(
    "hostile",
    ['evil\n{"level":"critical","event":"forged"}', "a\rb", "\x00\x1b[31m", "x\u2028y\u2029z\x85"],
)
def test_one_line_whatever_the_values(hostile: str) -> None:
    """Newlines, control and Unicode line separators stay escaped inside one JSON object."""
    line = render(None, "info", {"event": "e", hostile: hostile})
    assert line.splitlines() == [line]
    assert "\n" not in line and "\u2028" not in line and "\x85" not in line
    assert json.loads(line)[hostile] == hostile


def test_text_stays_utf8_not_ascii_escapes() -> None:
    """Accented letters are written as themselves (the file is UTF-8), not as \\u escapes."""
    assert '"name":"café ☃"' in render(None, "info", {"event": "e", "name": "café ☃"})


def test_odd_values_and_keys_still_render() -> None:
    """Values orjson cannot encode, and non-string keys, still render."""

    class Odd:
        def __str__(self) -> str:
            return "odd!"

    fields = json.loads(render(None, "info", {"event": "e", "v": Odd(), "d": {1: "one"}}))
    assert fields["v"] == "odd!" and fields["d"] == {"1": "one"}


def test_only_the_event_dict_becomes_fields_not_the_records_attributes() -> None:
    """A record's attributes (a library's forged `extra` included) never reach the line."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, {"event": "e", "n": 1}, None, None)
    record.request_id = "FORGED"
    fields = json.loads(EventJsonFormatter(static_fields={}).format(record))
    assert fields == {"event": "e", "n": 1}


def test_the_record_being_formatted_carries_the_event() -> None:
    """Inside a ProcessorFormatter, the renderer formats its record copy and drops the meta keys."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "original", None, None)
    line = render(None, "info", {"event": "e", "_record": record, "_from_structlog": False})
    assert json.loads(line)["event"] == "e" and "_record" not in line
    assert record.msg == {"event": "e"}
