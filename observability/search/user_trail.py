"""The user's trail: the same user's requests just before this one, as support asks first.

"What did you do just before?" The `request_finished` events of the same user (or, for an
anonymous request, of the same client address) in the minutes before the request, the newest
`limit` of them, oldest first; static files (CSS, scripts) are not steps of the story. Read
from the log files, like everything in this wing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from observability.endpoints import is_static_endpoint
from observability.search.files import parse_timestamp
from observability.search.query import Query
from observability.search.scan import ScanStats, latest, search
from observability.story_text import PreviousRequests

DEFAULT_LIMIT = 10
DEFAULT_MINUTES = 15
_ROW_FIELDS = ("timestamp", "request_id", "method", "path", "status", "duration_ms", "slow")


def _anchor(events: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The event that says who made the request and when it ended."""
    for name in ("request_finished", "unhandled_exception"):
        found = [event for event in events if event.get("event") == name]
        if found:
            return found[-1]
    return None


def previous_requests(
    log_dir: Path | str,
    events: Sequence[Mapping[str, Any]],
    *,
    limit: int = DEFAULT_LIMIT,
    minutes: int = DEFAULT_MINUTES,
    stats: ScanStats | None = None,
) -> PreviousRequests | None:
    """The trail before the request told by `events`; None when they name no user or client."""
    anchor = _anchor(events)
    when = parse_timestamp(str(anchor.get("timestamp", ""))) if anchor else None
    if anchor is None or when is None:
        return None
    user_id, address = anchor.get("user_id"), anchor.get("remote_addr")
    if user_id is None and not address:
        return None
    own_ids = {str(event.get("request_id")) for event in events}
    query = Query(event="request_finished", since=when - timedelta(minutes=minutes),
                  until=when, user=None if user_id is None else str(user_id))
    found = (entry for entry in search(log_dir, query, stats)
             if _same_visitor(entry.event, user_id, address)
             and str(entry.event.get("request_id")) not in own_ids)
    rows = tuple({key: entry.event[key] for key in _ROW_FIELDS if key in entry.event}
                 for entry in latest(found, limit))
    who = f"user {user_id}" if user_id is not None else f"anonymous client {address}"
    limits = f"up to {limit} in the {minutes} minutes before"
    return PreviousRequests(who=who, limits=limits, rows=rows)


def _same_visitor(event: Mapping[str, Any], user_id: object, address: object) -> bool:
    """Same user (or anonymous client), and a page rather than a static file it pulled in."""
    if is_static_endpoint(event.get("endpoint")):
        return False
    if user_id is not None:
        return event.get("user_id") == user_id
    return event.get("user_id") is None and event.get("remote_addr") == address

