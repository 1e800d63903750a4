"""The user's trail for an error email, read from the log files in the sender thread.

Kept apart from render.py (a pure function) and from the delivery path: a log folder that
cannot be read costs the email its trail, never the email.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from observability.search.query import QueryError
from observability.search.user_trail import previous_requests
from observability.story_text import PreviousRequests


def previous_requests_for(event: Mapping[str, Any], log_dir: Path | str
                          ) -> PreviousRequests | None:
    """The requests of the same user (or client) just before this error's request, if any."""
    if not event.get("request_id"):
        return None
    try:
        return previous_requests(log_dir, [event])
    except (OSError, QueryError):  # unreadable logs, or an event with a bad timestamp
        return None
