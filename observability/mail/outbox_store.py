"""Where the error-email outbox lives: its tables, and an engine for a SQLite file or a server.

SQLAlchemy Core with its own engine from the URL (never the app's models or session). The tables
are created here on first use, the same way on SQLite and PostgreSQL; the app's Alembic
migrations leave them out (migrations/env.py).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import weakref
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

OUTBOX_FILE_NAME = "error_email_outbox.sqlite3"
SQLITE_BUSY_SECONDS = 10.0  # how long a transaction waits for another process's write lock

metadata = MetaData()
# Names prefixed `error_email_` so they never clash with the app's tables in a shared database.
outbox_table = Table(
    "error_email_outbox", metadata,
    Column("id", String(32), primary_key=True),
    Column("fingerprint", String(200), nullable=False, index=True),
    Column("event", Text, nullable=False),  # the redacted log event, as JSON
    Column("created", Float, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", Float, nullable=False),
    Column("last_error", Text),
    Column("lease_owner", String(32)),
    Column("lease_until", Float),
)
throttle_table = Table(
    "error_email_throttle", metadata,
    Column("fingerprint", String(200), primary_key=True),
    Column("last_delivered", Float),
    Column("held_back", Integer, nullable=False, default=0),
)


def store_url(database_url: str, state_dir: Path) -> str:
    """The app's database when it is a server (shared by hosts), else a file in `state_dir`."""
    if database_url and not database_url.startswith("sqlite"):
        return database_url
    return f"sqlite:///{Path(state_dir) / OUTBOX_FILE_NAME}"


def _take(guard: weakref.ref[threading.Lock]) -> None:
    lock = guard()
    if lock is not None:
        lock.acquire()


def _give(guard: weakref.ref[threading.Lock]) -> None:
    lock = guard()
    if lock is not None:
        lock.release()


def _sqlite_engine(url: str) -> Engine:
    # No pool: a connection per transaction, closed after it. An SQLite connection must never
    # be open across a fork (gunicorn's master forks its workers), and errors are rare.
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS}, poolclass=NullPool)

    # SQLAlchemy's documented recipe for pysqlite: let SQLAlchemy emit BEGIN, and make it
    # BEGIN IMMEDIATE, so each transaction holds the write lock from its first statement and
    # two processes can never both decide "send".
    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # With write-ahead logging (set once per file, `create_tables`), a commit appends to the
        # log without an fsync (NORMAL): a storm's writes from every worker stay quick, and a
        # crashed process loses nothing. A per-connection setting that takes no lock.
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _server_engine(url: str) -> Engine:
    # One connection per process is plenty (errors are rare); a dead server fails fast.
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    return create_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True,
                         connect_args=connect_args)


def make_engine(url: str) -> Engine:
    """An engine for the outbox's store (no connection is opened yet)."""
    return _sqlite_engine(url) if url.startswith("sqlite") else _server_engine(url)


def _use_write_ahead_log(engine: Engine) -> None:
    """Switch the SQLite file to write-ahead logging, which it keeps from then on.

    The switch needs the file to itself, and while another process holds a write transaction
    SQLite refuses it at once, without waiting out the busy timeout: so it is retried here, on
    a connection outside any transaction (the mode cannot change inside one).
    """
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        connection = engine.raw_connection()
        try:
            connection.cursor().execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
        finally:
            connection.close()
        time.sleep(0.05)


def create_tables(engine: Engine) -> None:
    """Create the outbox's tables unless they exist (and the SQLite file's folder)."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        _use_write_ahead_log(engine)
    try:
        metadata.create_all(engine, checkfirst=True)
    except DBAPIError:
        # Two processes creating the tables at once: one wins, the other's check now passes.
        metadata.create_all(engine, checkfirst=True)


class ForkGuard:
    """A lock that every fork of this process waits for: no fork happens while it is held.

    A child forked while a transaction is open would inherit SQLite's record of a lock held by a
    connection it does not have, and wait on it forever (gunicorn's master forks its workers
    while its own sender may be at work).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        guard = weakref.ref(self._lock)
        os.register_at_fork(before=partial(_take, guard), after_in_parent=partial(_give, guard),
                            after_in_child=partial(_give, guard))

    def __enter__(self) -> ForkGuard:
        self._lock.acquire()
        return self

    def __exit__(self, _type: type[BaseException] | None, _value: BaseException | None,
                 _traceback: TracebackType | None) -> None:
        self._lock.release()
