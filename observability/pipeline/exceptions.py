"""Exceptions as data: structlog's dict tracebacks without locals, and back to Python's text.

The structured form (the `exception` field of a log event) is a list of stacks: `[0]` is the
exception that was raised, each next one the cause (`raise ... from`, `is_cause: true`) or the
context (`is_cause: false`) of the one before it. A stack is `{"exc_type", "exc_value",
"is_cause", "frames": [{"filename", "lineno", "name"}]}`, plus `exc_notes`, `syntax_error`,
`is_group` and `exceptions` (an exception group's members) only when they say something.
"""

from __future__ import annotations

from typing import Any

from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer
from structlog.typing import ExcInfo

# The text form lives apart so that reading logs back never imports structlog; kept importable
# from here for the modules that render both.
from observability.exception_text import format_exception_text as format_exception_text

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


def structured_exception(error: BaseException) -> list[dict[str, Any]]:
    """The structured form of `error` and its chain, as it appears in the log."""
    return exception_to_dicts((type(error), error, error.__traceback__))
