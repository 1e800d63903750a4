"""Structured exceptions: the logged schema, no locals, and Python's own text rebuilt from it."""

from __future__ import annotations

import sys
import traceback
from typing import Any

import pytest

from observability.pipeline.exceptions import (
    format_exception_text,
    structure_exception,
    structured_exception,
)

# Code compiled under a file name that has no source: Python's traceback then prints no source
# lines either, so its text must equal ours exactly.
_SOURCE = '''
def lookup(table, key):
    password = "hunter2"  # a local that must never be logged
    return table[key]

def load(key):
    try:
        return lookup({}, key)
    except KeyError as error:
        raise RuntimeError("cannot load " + key) from error

def load_quietly(key):
    try:
        return load(key)
    except RuntimeError:
        raise ValueError("")
'''
_NAMESPACE: dict[str, Any] = {}
exec(compile(_SOURCE, "<no source>", "exec"), _NAMESPACE)  # noqa: S102  (fixed test source)


def _raised(function: str, *args: object) -> BaseException:
    try:
        _NAMESPACE[function](*args)
    except Exception as error:
        return error
    raise AssertionError("expected an exception")


def test_schema_lists_the_raised_exception_first_then_its_causes() -> None:
    """[0] is what was raised; each next stack is the cause, with type, message and frames."""
    stacks = structured_exception(_raised("load", "alice"))
    assert [stack["exc_type"] for stack in stacks] == ["RuntimeError", "KeyError"]
    assert stacks[0]["exc_value"] == "cannot load alice"
    assert [stack["is_cause"] for stack in stacks] == [False, True]
    assert stacks[1]["frames"][-1] == {"filename": "<no source>", "lineno": 4, "name": "lookup"}


def test_no_frame_carries_locals() -> None:
    """Frame locals (passwords, request bodies) are never part of the structure."""
    stacks = structured_exception(_raised("load", "alice"))
    assert all(set(frame) == {"filename", "lineno", "name"}
               for stack in stacks for frame in stack["frames"])
    assert "hunter2" not in repr(stacks)


def test_empty_details_are_left_out() -> None:
    """No notes, no syntax error, no group: those keys are not written at all."""
    stack = structured_exception(_raised("load", "alice"))[0]
    assert set(stack) == {"exc_type", "exc_value", "is_cause", "frames"}


def test_notes_and_groups_are_kept() -> None:
    """An exception group keeps its members (compacted too) and notes survive."""
    error = ExceptionGroup("several", [ValueError("one"), TypeError("two")])
    error.add_note("while importing")
    stack = structured_exception(error)[0]
    assert stack["is_group"] is True
    assert stack["exc_notes"] == ["while importing"]
    assert [member[0]["exc_type"] for member in stack["exceptions"]] == ["ValueError", "TypeError"]
    assert "exc_notes" not in stack["exceptions"][0][0]


@pytest.mark.parametrize("function", ["load", "load_quietly"])
def test_text_is_what_python_prints(function: str) -> None:
    """Chained causes, contexts and empty messages read exactly like Python's traceback."""
    error = _raised(function, "alice")
    printed = "".join(traceback.format_exception(error)).splitlines()
    # Python adds source lines (and carets), indented by four spaces, where it finds the source.
    expected = "\n".join(line for line in printed if not line.startswith("    "))
    assert format_exception_text(structured_exception(error)) == expected


def test_text_of_a_group_names_every_member() -> None:
    """Group members appear, marked, after the group's own line."""
    text = format_exception_text(
        structured_exception(ExceptionGroup("several", [ValueError("one")]))
    )
    assert "ExceptionGroup: several (1 sub-exception)" in text
    assert "| ValueError: one" in text


def test_processor_structures_exc_info() -> None:
    """The processor replaces `exc_info=True` inside an except block with `exception`."""
    try:
        raise OSError("disk full")
    except OSError:
        assert sys.exc_info()[0] is OSError
        event = structure_exception(None, "error", {"event": "x", "exc_info": True})
    assert "exc_info" not in event
    assert event["exception"][0]["exc_type"] == "OSError"
