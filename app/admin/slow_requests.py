"""The admin console's list of slow requests: those logged with `slow: true`, newest first."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from app.admin import bp
from app.admin.log_window import WINDOWS, chosen_window, log_dir
from observability.search.query import Query
from observability.search.scan import ScanStats, latest, search

DEFAULT_WINDOW = "24h"
MAX_LISTED = 200  # the page shows at most this many requests


@bp.get("/slow")
def slow_requests() -> ResponseReturnValue:
    """Requests slower than SLOW_REQUEST_MS, each linking to its timeline."""
    window = chosen_window(DEFAULT_WINDOW)
    stats = ScanStats()
    query = Query(event="request_finished", slow=True, since=window.since)
    found = latest(search(log_dir(), query, stats), MAX_LISTED)
    slow = [entry.event for entry in reversed(found)]
    return render_template("admin/slow.html", title="Slow requests", slow=slow, window=window.key,
                           windows=WINDOWS, stats=stats, max_listed=MAX_LISTED,
                           threshold=current_app.config.get("SLOW_REQUEST_MS", 1000))
