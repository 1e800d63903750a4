"""Flask wiring for observability: the only module of the package that imports Flask.

Per request: choose the request ID, bind it (with the user and the W3C trace) into structlog's
contextvars so every event of the request carries it, start its trail (database counters and
breadcrumbs, observability.pipeline.breadcrumbs), put the ID on the response, log
`request_finished` once (at warning, with the trail, when slow; at debug for static files unless
LOG_STATIC_REQUESTS), log `unhandled_exception` once per 500 (with the trail), and clear the
context. The app is an `ObservedFlask`: Flask's documented override of `log_exception` makes that
event the 500's only record.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any

import click
import structlog
from flask import Flask, Response, current_app, has_request_context, request
from flask_login import user_loaded_from_cookie, user_logged_in

from observability.endpoints import is_static_endpoint
from observability.logging_setup import configure_logging
from observability.pipeline.breadcrumbs import Trail, begin_trail, end_trail
from observability.request_id import choose_request_id
from observability.settings import ObservabilitySettings
from observability.web.query_timing import listen_to_engines
from observability.web.traceparent import parse_traceparent

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
_STATE_KEY = "microblog.observability"  # the request's state, in its WSGI environ


_startup_lock = threading.Lock()
_startup_pid: int | None = None  # the process that already logged app_startup

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


@dataclass
class _RequestState:
    """What one request's observability needs between its start and its end."""

    request_id: str
    started: float
    user_id: int | str | None
    trail: Trail
    slow_ms: float
    finished: bool = False
    exception_logged: bool = False
    quiet: bool = False  # request_finished at debug (see quiet_request)


class ObservedFlask(Flask):
    """A Flask app whose unhandled exceptions are logged as one structured event.

    Flask's default `log_exception` writes "Exception on / [GET]" to `app.logger`; its docs name
    subclassing as the way to change that, so the 500's only record is `unhandled_exception`.
    """

    def log_exception(self, exc_info: ExcInfo) -> None:
        """Log the 500's exception as `unhandled_exception`, with the request and its trail."""
        _log_exception_event(_state(), exc_info)


def init_app(app: Flask) -> None:
    """Configure logging from the app's config and give every request its context and ID."""
    if not isinstance(app, ObservedFlask):
        # A plain Flask would log each 500 twice: its own "Exception on ..." line and ours.
        raise TypeError(f"build the app as {__name__}.ObservedFlask, not {type(app).__name__}")
    settings = ObservabilitySettings.from_mapping(
        app.config, state_dir=Path(app.instance_path), debug=app.debug, version=package_version()
    )
    if click.get_current_context(silent=True) is not None:
        # Built by a `flask` command: its stdout is the command's output (`flask logs show`
        # piped into jq), so log lines go to stderr. Servers (gunicorn) keep stdout.
        settings = replace(settings, console_stream="stderr")
    configure_logging(settings)
    app.extensions["observability"] = settings
    log_startup_once(settings.version)
    listen_to_engines()  # db_queries and db_ms, and the SQL breadcrumbs

    # Registered before any extension's hooks: ours runs first, and its after_request last.
    app.before_request(_begin_request)
    app.after_request(_finish_response)
    app.teardown_request(_end_request)
    app.context_processor(lambda: {"request_id": current_request_id()})
    # blinker keeps one connection per receiver, however many apps are built.
    user_logged_in.connect(_on_user_identified)
    user_loaded_from_cookie.connect(_on_user_identified)


def current_request_id() -> str:
    """The ID of the request being handled ('' outside a request)."""
    return _state().request_id if has_request_context() else ""


def quiet_request() -> None:
    """Log this request's `request_finished` at debug unless it ends with an error status: a
    healthy probe every few seconds from each load balancer would otherwise flood the log."""
    if has_request_context():
        _state().quiet = True


def package_version() -> str:
    """The installed microblog version, or "0" when running from an uninstalled tree."""
    try:
        return version("microblog")
    except PackageNotFoundError:
        return "0"


def log_startup_once(app_version: str) -> bool:
    """Log `app_startup` unless this process already did (tests build many apps)."""
    global _startup_pid  # once per process is the point; a forked worker has a new pid
    with _startup_lock:
        pid = os.getpid()
        if _startup_pid == pid:
            return False
        _startup_pid = pid
    log.info("app_startup", pid=pid, version=app_version)
    return True


def _begin_request() -> None:
    """before_request: bind the request's context before anything else logs."""
    _start_state()


def _start_state() -> _RequestState:
    """Choose the ID, read the user and trace, and bind them for every event of the request."""
    settings = _settings()
    started = time.perf_counter()
    state = _RequestState(
        request_id=choose_request_id(request.headers.get(REQUEST_ID_HEADER)),
        started=started,
        user_id=None,  # until the app names the user (identify_user)
        trail=begin_trail(settings.breadcrumbs_max, started),
        slow_ms=settings.slow_request_ms,
    )
    request.environ[_STATE_KEY] = state
    context: dict[str, Any] = {"request_id": state.request_id, "user_id": state.user_id}
    trace = parse_traceparent(request.headers.get("traceparent"))
    if trace is not None:
        context.update(trace_id=trace.trace_id, span_id=trace.span_id)
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(**context)
    return state


def _state() -> _RequestState:
    """This request's state, started late if a hook before ours failed the request."""
    state = request.environ.get(_STATE_KEY)
    return state if isinstance(state, _RequestState) else _start_state()


def identify_user(user_id: object) -> None:
    """Name the request's user for every later event of it (`user_id`; None: anonymous).

    The app calls it from Flask-Login's `user_loader` with the id from the session before it
    queries the database, so the user is known even when that query is what fails.
    """
    if not has_request_context():
        return
    text = None if user_id is None else str(user_id)
    state = _state()
    state.user_id = int(text) if text is not None and text.isdigit() else text
    structlog.contextvars.bind_contextvars(user_id=state.user_id)


def _on_user_identified(_sender: Any, user: Any = None, **_extra: Any) -> None:
    """Signal receiver: a login (form or remember cookie) names the user for the rest of it."""
    if user is not None:
        identify_user(user.get_id())


def _finish_response(response: Response) -> Response:
    """after_request (runs for error responses too): the ID header and `request_finished`."""
    state = _state()
    response.headers[REQUEST_ID_HEADER] = state.request_id
    _log_request_finished(state, response.status_code)
    return response


def _end_request(error: BaseException | None) -> None:
    """teardown_request: log what after_request could not, then clear the context."""
    try:
        state = _state()
        if error is not None and not state.exception_logged:
            # Only when Flask propagated the error (debug, TESTING) instead of log_exception.
            _log_exception_event(state, error)
        if not state.finished:
            _log_request_finished(state, 500)
    finally:
        structlog.contextvars.clear_contextvars()
        end_trail()


def _log_exception_event(state: _RequestState, exc_info: ExcInfo | BaseException) -> None:
    state.exception_logged = True
    trail = state.trail
    log.error(
        "unhandled_exception",
        exc_info=exc_info,
        method=request.method,
        path=request.path,
        endpoint=request.endpoint,
        remote_addr=request.remote_addr,
        user_agent=request.user_agent.string,
        form_keys=_form_keys(),
        db_queries=trail.db_queries,  # so far: the email is written from this event alone
        db_ms=trail.db_ms,
        **({"breadcrumbs": trail.breadcrumbs()} if trail.keeps_breadcrumbs else {}),
    )


def _form_keys() -> list[str]:
    """Names of the posted form fields for the error email, never their values."""
    try:
        return sorted(request.form.keys())
    except Exception:  # an unparsable or oversized body must not break the error path
        return []


def _log_request_finished(state: _RequestState, status: int) -> None:
    if state.finished:
        return
    state.finished = True
    duration_ms = round((time.perf_counter() - state.started) * 1000, 3)
    trail = state.trail
    fields: dict[str, Any] = {
        "method": request.method,
        "path": request.path,
        "endpoint": request.endpoint,  # None when no route matched (404, 405)
        "status": status,
        "duration_ms": duration_ms,
        "db_queries": trail.db_queries,
        "db_ms": trail.db_ms,
        "user_id": state.user_id,
        "remote_addr": request.remote_addr,
    }
    if duration_ms <= state.slow_ms:
        # Static files (the app's and blueprints' `static` endpoints) at debug: a page view is
        # not four lines. Their responses still carry the request ID header. A quiet request
        # (see quiet_request) that failed after all (an error status) is logged as usual.
        quiet = (state.quiet and status < 400) or (
            is_static_endpoint(request.endpoint) and not _settings().log_static_requests
        )
        (log.debug if quiet else log.info)("request_finished", **fields)
        return
    # A slow request is told like a failed one (static or not): at warning, with its trail.
    fields["slow"] = True
    if trail.keeps_breadcrumbs:
        fields["breadcrumbs"] = trail.breadcrumbs()
    log.warning("request_finished", **fields)


def _settings() -> ObservabilitySettings:
    """The settings init_app stored for the current app."""
    settings = current_app.extensions["observability"]
    assert isinstance(settings, ObservabilitySettings)
    return settings
