"""A request's events as the text timeline `flask logs show` and the admin console print."""

from __future__ import annotations

import traceback
from typing import Any

import pytest

from observability.pipeline.exceptions import structured_exception
from observability.search.timeline import (
    exception_text,
    format_event_line,
    format_value,
    render_timeline,
)
from tests.logs_factory import PROFILE, at, crash, event, profile_failure, request

# Code compiled under a made-up file name has no source lines for Python to print, so Python's
# own traceback text and ours (the log keeps no source) can be compared character for character.
_SOURCE = '''
def load_avatar(profile):
    return profile["avatar"]

def show_profile():
    try:
        load_avatar({})
    except KeyError as error:
        raise RuntimeError("profile failed") from error

def retry():
    try:
        show_profile()
    except RuntimeError:
        raise ConnectionError("gave up")
'''


def _raise(name: str) -> BaseException:
    namespace: dict[str, Any] = {}
    exec(compile(_SOURCE, "<triage-test>", "exec"), namespace)  # noqa: S102  (fixed test code)
    try:
        namespace[name]()
    except Exception as error:  # the exception is what we want
        return error
    raise AssertionError("expected an exception")


def _python_text(error: BaseException) -> str:
    """Python's text, minus the source lines of this file's own frame (and, from 3.13, carets).

    Only frames whose source Python can read get those lines, indented by four spaces; the code
    under test runs from a string, so its frames have none, as in a log line.
    """
    lines = "".join(traceback.format_exception(error)).splitlines(keepends=True)
    return "".join(line for line in lines if not line.startswith("    "))


@pytest.mark.parametrize("function", ["show_profile", "retry"])
def test_tracebacks_read_as_python_prints_them(function: str) -> None:
    """A cause (`raise … from`) and a context (raised while handling) print like Python's."""
    error = _raise(function)
    logged = {"event": "unhandled_exception", "exception": structured_exception(error)}
    assert exception_text(logged) == _python_text(error)


def test_a_text_exception_is_shown_as_it_is() -> None:
    """structlog's format_exc_info leaves text, which is already Python's."""
    text = "Traceback (most recent call last):\nValueError: x"
    assert exception_text({"exception": text}) == text + "\n"
    assert exception_text({"event": "no exception"}) == ""


def test_an_event_line_has_time_level_event_and_fields_in_a_fixed_order() -> None:
    """Request fields first, in a fixed order; the logger last; tracebacks not inline."""
    line = format_event_line(request(at(1), PROFILE, "GET", "/user/susan", 500, 3, extra="x"))
    assert line == (
        "2024-05-01T10:01:00.000Z  INFO      request_finished  method=GET path=/user/susan "
        "status=500 duration_ms=12.5 user_id=3 remote_addr=10.0.0.5 extra=x logger=app.request"
    )


def test_an_event_line_can_name_its_request() -> None:
    """Search output mixes requests, so each line names its ID after the event."""
    line = format_event_line(event(at(1), "debug", "cache_miss", PROFILE), with_request_id=True)
    assert line.startswith(f"2024-05-01T10:01:00.000Z  DEBUG     cache_miss  {PROFILE}  ")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain", "plain"),
        ("/user/susan", "/user/susan"),
        ("two words", '"two words"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("", '""'),
        ("line\nbreak", '"line\\nbreak"'),
        (None, "null"),
        (True, "true"),
        (12.5, "12.5"),
        ({"a": [1, 2]}, '{"a":[1,2]}'),
    ],
)
def test_values_are_bare_only_when_unambiguous(value: object, shown: str) -> None:
    """Anything with spaces, quotes or newlines is quoted as JSON, so a line stays one line."""
    assert format_value(value) == shown


def test_render_timeline_tells_the_whole_story() -> None:
    """Heading (ID, count, span), then each event, the traceback right under its event."""
    events = [
        crash(at(11), PROFILE, "/user/susan", 3, profile_failure()),
        request(at(11.001), PROFILE, "GET", "/user/susan", 500, 3),
    ]
    text = render_timeline(events)
    heading, blank, first, *rest = text.splitlines()
    assert heading == (f"request {PROFILE}: 2 events, 2024-05-01T10:11:00.000Z to "
                       "2024-05-01T10:11:00.060Z (60 ms)")
    assert blank == ""
    assert first.startswith("2024-05-01T10:11:00.000Z  ERROR     unhandled_exception  ")
    assert "\n".join(rest[:8]) == "\n".join([
        "Traceback (most recent call last):",
        '  File "/srv/microblog/app/main/profiles.py", line 18, in avatar_for',
        "KeyError: 'avatar'",
        "",
        "The above exception was the direct cause of the following exception:",
        "",
        "Traceback (most recent call last):",
        '  File "/srv/microblog/app/main/profiles.py", line 30, in user',
    ])
    assert rest[8] == "RuntimeError: profile failed"
    assert rest[-1].startswith("2024-05-01T10:11:00.060Z  INFO      request_finished  ")


def test_render_timeline_names_the_trace_when_there_is_one() -> None:
    """A request that came with a traceparent names its trace once, under the heading."""
    traced = event(at(1), "info", "request_finished", PROFILE, trace_id="4bf92f35", span_id="00f0")
    lines = render_timeline([traced]).splitlines()
    assert lines[1] == "trace_id=4bf92f35 span_id=00f0"
    assert "trace_id" not in lines[3]  # named once, in the heading
    assert "trace_id=4bf92f35" in format_event_line(traced)  # search lines keep it


def test_render_timeline_of_nothing_is_empty() -> None:
    """No events, no heading."""
    assert render_timeline([]) == ""
