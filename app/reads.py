"""The connection plain reads run on: the session's while it has a transaction, else one of
the app context's own.

Most requests only read (the signed-in user, a page of posts), as Core queries. Running them on
`db.session.connection()` made every such request build a Session and its transaction just to
borrow a connection and close them all at teardown. Here they borrow a pooled connection
directly, closed (rolled back) when the app context ends, as the session is. Once the session
has begun a transaction (a write is under way), reads join it, so they see its changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, g
from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

_G_KEY = "_read_connection"


def read(statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
    """Execute a read-only statement on `read_connection()`."""
    connection = read_connection()
    try:
        return connection.execute(statement, params)
    except SQLAlchemyError:
        # A failed statement leaves a database server's transaction unusable: end it here,
        # so the error page (or a retry) can still read. The session's is the caller's to end.
        if connection is g.get(_G_KEY):
            _end(connection)
        raise


def read_connection() -> Connection:
    """The session's connection if it is in a transaction, else this app context's own."""
    if db.session.registry.has() and db.session().in_transaction():
        return db.session.connection()
    connection: Connection | None = g.get(_G_KEY)
    if connection is None or connection.closed:
        connection = db.engine.connect()
        setattr(g, _G_KEY, connection)
    return connection


def close_read_connection(_error: BaseException | None = None) -> None:
    """teardown_appcontext: give the app context's read connection back to the pool."""
    connection: Connection | None = g.pop(_G_KEY, None)
    if connection is not None:
        _end(connection)


def _end(connection: Connection) -> None:
    try:
        connection.close()  # rolls back whatever the reads began
    except SQLAlchemyError:
        connection.invalidate()


def init_app(app: Flask) -> None:
    """Close each app context's read connection when the context ends."""
    app.teardown_appcontext(close_read_connection)
