"""Routes of the admin console: thin pages over `observability.search.scan`, read from the logs.

The console reads the log files, never the database. Only the admin-role check needs the
database (app/admin/access.py); while it is down, `microblog-logs` reads the same files.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from app.admin import bp
from observability.search.error_groups import recent_errors
from observability.search.query import QueryError, parse_time, request_id_key
from observability.search.scan import ScanStats, find_request
from observability.search.timeline import render_timeline

# The windows offered on /admin/errors; "all" is everything the log files still hold.
WINDOWS = {"1h": "last hour", "24h": "last day", "7d": "last week", "all": "all logs"}
DEFAULT_WINDOW = "all"


def _log_dir() -> Path:
    return Path(current_app.config["LOG_DIR"])


@bp.get("/")
def index() -> ResponseReturnValue:
    """The console starts at the error list."""
    return redirect(url_for("admin.errors"))


@bp.get("/errors")
def errors() -> ResponseReturnValue:
    """Errors grouped by fingerprint, the most recently seen first, and the ID lookup box."""
    window = request.args.get("since", DEFAULT_WINDOW)
    if window not in WINDOWS:
        window = DEFAULT_WINDOW
    since = None if window == "all" else parse_time(window)
    stats = ScanStats()
    groups = [group.as_dict() for group in recent_errors(_log_dir(), since, stats=stats)]
    return render_template("admin/errors.html", title="Errors", groups=groups, window=window,
                           windows=WINDOWS, stats=stats)


@bp.get("/requests")
def lookup() -> ResponseReturnValue:
    """The lookup box: an ID as the user quoted it, on to that request's page."""
    quoted = request.args.get("id", "").strip()
    if not quoted:
        return redirect(url_for("admin.errors"))
    try:
        request_id_key(quoted)
    except QueryError as error:  # never build a URL (say `../x`) out of what is no ID
        return _refuse(quoted, error)
    return redirect(url_for("admin.request_timeline", request_id=quoted))


@bp.get("/requests/<path:request_id>")
def request_timeline(request_id: str) -> ResponseReturnValue:
    """One request's timeline as `flask logs show` prints it; `?format=json` for the raw lines."""
    try:
        folded = request_id_key(request_id)
    except QueryError as error:
        return _refuse(request_id, error)
    stats = ScanStats()
    entries = find_request(_log_dir(), request_id, stats)
    if request.args.get("format") == "json":
        body = b"".join(entry.raw + b"\n" for entry in entries)
        return Response(body, status=200 if entries else 404, mimetype="application/x-ndjson")
    logged_ids = sorted({str(entry.event.get("request_id")) for entry in entries})
    page = render_template(
        "admin/request.html", title=f"Request {request_id}", quoted=request_id, folded=folded,
        logged_ids=logged_ids, timeline=render_timeline([entry.event for entry in entries]),
        problem=None, stats=stats,
    )
    return page, 200 if entries else 404


def _refuse(quoted: str, error: QueryError) -> ResponseReturnValue:
    """A 400 page that says why the text is no request ID (shown escaped, never linked)."""
    page = render_template("admin/request.html", title="Request", quoted=quoted, logged_ids=[],
                           problem=str(error), timeline="", stats=ScanStats())
    return page, 400
