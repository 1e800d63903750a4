"""A request's breadcrumbs and the user's previous requests as plain text.

Shared vocabulary, like exception_text: `microblog-logs show` and the error email print the
same lines, from the logged values alone (no Flask, no structlog).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PreviousRequests:
    """The user's trail: whose it is, how far back it looked, its requests (oldest first)."""

    who: str
    limits: str
    rows: tuple[Mapping[str, Any], ...]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _ms(value: object, width: int = 0) -> str:
    number = _number(value)
    text = "?" if number is None else f"{number:.1f} ms"
    return f"{text:>{width}}"


def format_breadcrumb(crumb: Mapping[str, Any]) -> str:
    """`+12.3 ms  sql  0.4 ms  SELECT …` or `+15.0 ms  log  debug  cache_miss key=…`."""
    offset = _number(crumb.get("offset_ms"))
    at = "+?" if offset is None else f"+{offset:.1f} ms"
    category = str(crumb.get("category") or "?")
    if "duration_ms" in crumb:
        detail = _ms(crumb.get("duration_ms"))
    else:
        detail = str(crumb.get("level") or "")
    message = " ".join(str(crumb.get("message") or "").split())
    return f"{at:>11}  {category:<3}  {detail:>9}  {message}"


def format_breadcrumbs(crumbs: object, indent: str = "  ") -> str:
    """The breadcrumbs under a heading, oldest first ('' when there are none)."""
    if not isinstance(crumbs, list) or not crumbs:
        return ""
    lines = [f"{indent}breadcrumbs ({len(crumbs)}, oldest first):"]
    lines += [f"{indent}  {format_breadcrumb(crumb)}" for crumb in crumbs
              if isinstance(crumb, Mapping)]
    return "\n".join(lines) + "\n"


def format_previous_request(row: Mapping[str, Any]) -> str:
    """`time  METHOD path  status  duration  request id` for one earlier request."""
    status = row.get("status")
    flag = "  slow" if row.get("slow") is True else ""
    return (f"{row.get('timestamp', '?')}  {row.get('method') or '-'!s:<6} "
            f"{row.get('path') or '-'}  {status if status is not None else '-'}  "
            f"{_ms(row.get('duration_ms'))}  {row.get('request_id') or '-'}{flag}")


def format_previous_requests(trail: PreviousRequests | None, indent: str = "  ") -> str:
    """The user's trail under a heading saying whose it is and how far back it looks."""
    if trail is None:
        return "Previous requests: (the request names no user or client address)\n"
    heading = f"Previous requests of {trail.who} ({trail.limits}):"
    if not trail.rows:
        return f"{heading}\n{indent}(none)\n"
    return heading + "\n" + "".join(
        f"{indent}{format_previous_request(row)}\n" for row in trail.rows)
