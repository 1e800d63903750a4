"""Routes of the admin console: thin pages over `observability.search.scan`, read from the logs.

The console reads the log files, never the database. Only the admin-role check needs the
database (app/admin/access.py); while it is down, `microblog-logs` reads the same files.
"""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from app.admin import bp
from app.admin.log_window import WINDOWS, chosen_window, log_dir
from app.extensions import db
from app.models import User
from observability.search.error_groups import recent_errors
from observability.search.query import QueryError, request_id_key
from observability.search.scan import ScanStats, find_request
from observability.search.story import LEVEL_COLOURS, build_story
from observability.search.timeline import render_timeline
from observability.search.user_trail import previous_requests

DEFAULT_WINDOW = "all"  # of /admin/errors


@bp.get("/")
def index() -> ResponseReturnValue:
    """The console starts at the error list."""
    return redirect(url_for("admin.errors"))


@bp.get("/errors")
def errors() -> ResponseReturnValue:
    """Errors grouped by fingerprint, the most recently seen first, and the ID lookup box."""
    window = chosen_window(DEFAULT_WINDOW)
    stats = ScanStats()
    groups = [group.as_dict() for group in recent_errors(log_dir(), window.since, stats=stats)]
    return render_template("admin/errors.html", title="Errors", groups=groups, window=window.key,
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
    entries = find_request(log_dir(), request_id, stats)
    if request.args.get("format") == "json":
        body = b"".join(entry.raw + b"\n" for entry in entries)
        return Response(body, status=200 if entries else 404, mimetype="application/x-ndjson")
    logged_ids = sorted({str(entry.event.get("request_id")) for entry in entries})
    events = [entry.event for entry in entries]
    story = build_story(events) if events else None
    page = render_template(
        "admin/request.html", title=f"Request {request_id}", quoted=request_id, folded=folded,
        logged_ids=logged_ids, timeline=render_timeline(events), problem=None, stats=stats,
        story=story, level_colours=LEVEL_COLOURS,
        username=_username(story.summary.get("user_id")) if story else None,
        # Its own stats: a corrupt line met by both scans is still one corrupt line.
        previous=previous_requests(log_dir(), events) if events else None,
    )
    return page, 200 if entries else 404


def _username(user_id: object) -> str | None:
    """The user's current name, if the database answers (the page works without it)."""
    if isinstance(user_id, bool) or not isinstance(user_id, int):
        return None
    try:
        user = db.session.get(User, user_id)
    except SQLAlchemyError:  # the database is down: the page still tells the story
        return None
    return user.username if user is not None else None


def _refuse(quoted: str, error: QueryError) -> ResponseReturnValue:
    """A 400 page that says why the text is no request ID (shown escaped, never linked)."""
    page = render_template("admin/request.html", title="Request", quoted=quoted, logged_ids=[],
                           problem=str(error), timeline="", stats=ScanStats(), story=None)
    return page, 400


from app.admin import slow_requests  # noqa: E402,F401  (issue 14: /admin/slow registers on bp)
