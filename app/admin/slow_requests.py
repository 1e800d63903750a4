"""The admin console's list of slow requests: those logged with `slow: true`, newest first."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue

from app.admin import bp
from observability.search.query import Query, parse_time
from observability.search.scan import ScanStats, latest, search

# The same windows as the error list; the page shows at most this many requests.
WINDOWS = {"1h": "last hour", "24h": "last day", "7d": "last week", "all": "all logs"}
DEFAULT_WINDOW = "24h"
MAX_LISTED = 200


@bp.get("/slow")
def slow_requests() -> ResponseReturnValue:
    """Requests slower than SLOW_REQUEST_MS, each linking to its timeline."""
    window = request.args.get("since", DEFAULT_WINDOW)
    if window not in WINDOWS:
        window = DEFAULT_WINDOW
    since = None if window == "all" else parse_time(window)
    stats = ScanStats()
    query = Query(event="request_finished", slow=True, since=since)
    found = latest(search(Path(current_app.config["LOG_DIR"]), query, stats), MAX_LISTED)
    slow = [entry.event for entry in reversed(found)]
    return render_template("admin/slow.html", title="Slow requests", slow=slow, window=window,
                           windows=WINDOWS, stats=stats, max_listed=MAX_LISTED,
                           threshold=current_app.config.get("SLOW_REQUEST_MS", 1000))
