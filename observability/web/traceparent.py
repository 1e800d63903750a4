"""W3C Trace Context: the `traceparent` header, parsed strictly, so only real IDs reach the log.

https://www.w3.org/TR/trace-context/#traceparent-header: `version-traceid-parentid-flags`,
lowercase hex, e.g. `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Version 00 is exactly four fields. A later version may append fields after a dash, and a
# parser must still read the first four; version ff is forbidden.
_TRACEPARENT = re.compile(
    r"(?P<version>[0-9a-f]{2})-(?P<trace_id>[0-9a-f]{32})-(?P<span_id>[0-9a-f]{16})"
    r"-(?P<flags>[0-9a-f]{2})(?P<rest>-.*)?",
    re.DOTALL,
)
_MAX_LENGTH = 512  # a sane bound before running a regex on a header anyone can send
_INVALID_TRACE_ID = "0" * 32
_INVALID_SPAN_ID = "0" * 16


@dataclass(frozen=True)
class TraceContext:
    """The caller's trace: `trace_id` names the whole trace, `span_id` the caller's span."""

    trace_id: str
    span_id: str
    sampled: bool


def parse_traceparent(header: str | None) -> TraceContext | None:
    """The trace context of a valid `traceparent` header, or None for anything else."""
    if not header or len(header) > _MAX_LENGTH:
        return None
    match = _TRACEPARENT.fullmatch(header.strip(" \t"))
    if match is None:
        return None
    version = match["version"]
    if version == "ff" or (version == "00" and match["rest"] is not None):
        return None
    if match["trace_id"] == _INVALID_TRACE_ID or match["span_id"] == _INVALID_SPAN_ID:
        return None
    return TraceContext(
        trace_id=match["trace_id"],
        span_id=match["span_id"],
        sampled=bool(int(match["flags"], 16) & 0x01),
    )
