"""Exceptions as data: structlog's dict tracebacks without locals, and back to Python's text.

The structured form (the `exception` field of a log event) is a list of stacks: `[0]` is the
exception that was raised, each next one the cause (`raise ... from`, `is_cause: true`) or the
context (`is_cause: false`) of the one before it. A stack is `{"exc_type", "exc_value",
"is_cause", "frames": [{"filename", "lineno", "name"}]}`, plus `exc_notes`, `syntax_error`,
`is_group` and `exceptions` (an exception group's members) only when they say something.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import ExcInfo

# Locals are off: a frame's locals hold passwords, tokens and whole request bodies.
# use_rich=False: rich is only needed to repr locals, and we never show them.
_TRANSFORMER = ExceptionDictTransformer(show_locals=False, use_rich=False)

# Keys structlog always writes, dropped when they hold their "nothing to say" value: most
# exceptions have no notes, are no SyntaxError and no group, and a log line is read often.
_EMPTY_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("exc_notes", []), ("syntax_error", None), ("is_group", False), ("exceptions", [])
)


def exception_to_dicts(exc_info: ExcInfo) -> list[dict[str, Any]]:
    """structlog's dict traceback of `exc_info`, without locals and without empty keys."""
    return [_compact(stack) for stack in _TRANSFORMER(exc_info)]


def _compact(stack: dict[str, Any]) -> dict[str, Any]:
    for key, empty in _EMPTY_DEFAULTS:
        if key in stack and stack[key] == empty:
            del stack[key]
    for number, member in enumerate(stack.get("exceptions", ())):
        stack["exceptions"][number] = [_compact(inner) for inner in member]
    return stack


# Processor: `exc_info` (True, a tuple or an exception) becomes the structured `exception` field.
structure_exception = ExceptionRenderer(exception_to_dicts)

_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


def structured_exception(error: BaseException) -> list[dict[str, Any]]:
    """The structured form of `error` and its chain, as it appears in the log."""
    return exception_to_dicts((type(error), error, error.__traceback__))


def format_exception_text(stacks: Sequence[Mapping[str, Any]]) -> str:
    """Python's own traceback text for a structured exception (without source lines)."""
    blocks: list[str] = []
    # The log lists the raised exception first; Python prints the root cause first.
    for position in range(len(stacks) - 1, -1, -1):
        blocks.append(_format_stack(stacks[position], indent=""))
        if position > 0:
            blocks.append(_CAUSE if stacks[position].get("is_cause") else _CONTEXT)
    return "\n\n".join(blocks)


def _format_stack(stack: Mapping[str, Any], indent: str) -> str:
    """One exception: its frames, its `Type: message` line, its notes and group members."""
    lines: list[str] = []
    frames = stack.get("frames") or []
    if frames:
        lines.append("Traceback (most recent call last):")
        lines.extend(_format_frame(frame) for frame in frames)
    lines.append(_exception_line(stack))
    lines.extend(str(note) for note in stack.get("exc_notes") or ())
    for number, member in enumerate(stack.get("exceptions") or (), start=1):
        lines.append(f"+---------------- {number} ----------------")
        member_text = format_exception_text(member)
        lines.extend("| " + line if line else "|" for line in member_text.splitlines())
    return "\n".join(indent + line for line in lines)


def _format_frame(frame: Mapping[str, Any]) -> str:
    """`  File "x.py", line 3, in f`, or the marker structlog puts where it skipped frames."""
    if frame.get("lineno") == -1 and not frame.get("filename"):
        return f"  ... {frame.get('name')}"
    return f'  File "{frame.get("filename")}", line {frame.get("lineno")}, in {frame.get("name")}'


def _exception_line(stack: Mapping[str, Any]) -> str:
    """`ValueError: bad`, or just `ValueError` when the message is empty, as Python prints."""
    exc_type = str(stack.get("exc_type", "Exception"))
    exc_value = str(stack.get("exc_value", ""))
    return f"{exc_type}: {exc_value}" if exc_value else exc_type
