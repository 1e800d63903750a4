"""Database time per request: SQLAlchemy's cursor events feed the active request's trail.

Listened on the `Engine` class, so every engine the app builds (Flask-SQLAlchemy's, one per
app, created lazily) is covered without reaching into it; outside a request (CLI commands,
migrations, start-up) there is no active trail and a query costs one contextvar read. The start
time rides on `Connection.info`, as SQLAlchemy's own profiling recipe does. Only the statement
text (with its placeholders) is kept, never the parameters.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection, ExceptionContext
from sqlalchemy.exc import SQLAlchemyError

from observability.pipeline.breadcrumbs import active_trail

_STARTS = "microblog_query_starts"  # our key in Connection.info: a stack, for nested cursors


def listen_to_engines() -> None:
    """Register the cursor events once per process (every app factory call may ask again)."""
    for name, listener in (("before_cursor_execute", _before_cursor_execute),
                           ("after_cursor_execute", _after_cursor_execute),
                           ("handle_error", _handle_error)):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def _before_cursor_execute(conn: Connection, _cursor: Any, _statement: str, _parameters: Any,
                           _context: Any, _executemany: bool) -> None:
    if active_trail() is not None:
        conn.info.setdefault(_STARTS, []).append(time.perf_counter())


def _after_cursor_execute(conn: Connection, _cursor: Any, statement: str, _parameters: Any,
                          _context: Any, _executemany: bool) -> None:
    started = _pop_start(conn)
    trail = active_trail()
    if trail is not None and started is not None:
        trail.add_query(statement, started, time.perf_counter() - started)


def _handle_error(context: ExceptionContext) -> None:
    """A failed statement is part of the story too (often the last chapter)."""
    conn = context.connection
    started = _pop_start(conn) if conn is not None else None
    trail = active_trail()
    if trail is not None and started is not None and context.statement is not None:
        failure = type(context.original_exception).__name__
        trail.add_query(context.statement, started, time.perf_counter() - started, failure)


def _pop_start(conn: Connection) -> float | None:
    try:
        starts = conn.info.get(_STARTS)
    except SQLAlchemyError:  # a connection closed by the failure: its timing is lost, no more
        return None
    return starts.pop() if starts else None
