"""W3C traceparent parsing: valid headers give trace and span IDs, anything else gives None."""

from __future__ import annotations

import pytest

from observability.web.traceparent import TraceContext, parse_traceparent

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


def test_a_valid_header() -> None:
    """The specification's own example parses into its trace and parent IDs."""
    assert parse_traceparent(f"00-{TRACE}-{SPAN}-01") == TraceContext(TRACE, SPAN, sampled=True)


def test_unsampled_flag() -> None:
    """Flags 00 mean not sampled; the IDs are still used."""
    context = parse_traceparent(f"00-{TRACE}-{SPAN}-00")
    assert context is not None and not context.sampled


def test_a_future_version_may_append_fields() -> None:
    """A later version is read by its first four fields, as the specification asks."""
    context = parse_traceparent(f"01-{TRACE}-{SPAN}-01-more-stuff")
    assert context == TraceContext(TRACE, SPAN, sampled=True)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        f"00-{TRACE}-{SPAN}-01-extra",  # version 00 has exactly four fields
        f"ff-{TRACE}-{SPAN}-01",  # version ff is forbidden
        f"00-{'0' * 32}-{SPAN}-01",  # all-zero trace id
        f"00-{TRACE}-{'0' * 16}-01",  # all-zero parent id
        f"00-{TRACE.upper()}-{SPAN}-01",  # hex must be lowercase
        f"00-{TRACE[:-1]}-{SPAN}-01",  # trace id too short
        f"00-{TRACE}-{SPAN}0-01",  # parent id too long
        f"00-{TRACE}-{SPAN}-1",  # flags too short
        f"0-{TRACE}-{SPAN}-01",
        f"00_{TRACE}_{SPAN}_01",
        f"00-{TRACE}-{SPAN}-01\n",
        f"01-{TRACE}-{SPAN}-01" + "-x" * 300,  # absurdly long
    ],
)
def test_invalid_headers_are_ignored(header: str | None) -> None:
    """Malformed or forbidden values yield no trace context."""
    assert parse_traceparent(header) is None
