"""App-wide error handlers: a page (or JSON) quoting the request ID, never internals."""

from __future__ import annotations

import contextlib

from flask import Response, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.errors import bp
from app.errors.messages import CSRF_TEXT, ErrorText, error_text
from app.extensions import db
from observability.web.flask_integration import current_request_id

# Headers an HTTP error must keep (Allow on 405, Retry-After on 429, ...); the body is ours.
_KEPT_HEADERS = frozenset({"allow", "retry-after", "www-authenticate"})


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError) -> Response:
    """A missing or stale CSRF token is a 400 with its own explanation."""
    return _error_response(400, CSRF_TEXT, error)


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Every other HTTP error (404, 405, 413, ...) gets the layout and the request ID."""
    status = error.code or 500
    return _error_response(status, error_text(status), error)


@bp.app_errorhandler(InternalServerError)
def internal_error(error: InternalServerError) -> Response:
    """Roll back whatever the failed request left; observability logs the exception once."""
    rollback_quietly()
    return _error_response(500, error_text(500), error)


def _error_response(status: int, text: ErrorText, error: HTTPException) -> Response:
    """JSON for clients that prefer it, otherwise the HTML page; both carry the request ID."""
    request_id = current_request_id()
    if _prefers_json():
        response = jsonify(error=text.title, message=text.message, request_id=request_id)
    else:
        page = render_template(
            "errors/error.html", status=status, title=text.title, message=text.message
        )
        response = make_response(page)
    response.status_code = status
    for name, value in error.get_headers():
        if name.lower() in _KEPT_HEADERS:
            response.headers[name] = value
    return response


def _prefers_json() -> bool:
    """Whether the client ranks JSON above HTML (`*/*` and browsers get HTML)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def rollback_quietly() -> None:
    """Roll back the session; a dead database must not stop the error page."""
    # A failure here is a symptom of the error being handled, which is logged already.
    with contextlib.suppress(SQLAlchemyError):
        db.session.rollback()
