"""A structured exception (the `exception` field of a log event) as Python's own traceback text.

Pure text, no structlog: `flask logs`, `microblog-logs`, the admin console and the error emails
print the same thing. The structure is described in `observability.pipeline.exceptions`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

_CAUSE = "The above exception was the direct cause of the following exception:"
_CONTEXT = "During handling of the above exception, another exception occurred:"


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
