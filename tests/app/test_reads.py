"""Plain reads borrow a pooled connection without a Session, and join the session's writes."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.models import User
from app.reads import read, read_connection
from tests.app.helpers import MakeUser

USERNAMES = sa.select(User.username).order_by(User.username)


def test_a_read_builds_no_session_and_its_connection_goes_back(app: Flask,
                                                               make_user: MakeUser) -> None:
    """Outside a transaction a read makes no Session; the context's end returns its connection."""
    make_user("alice")
    with app.app_context():
        assert read(USERNAMES, {}).scalars().all() == ["alice"]
        assert read_connection() is g._read_connection
        assert not db.session.registry.has()
        assert db.engine.pool.checkedout() == 1
    with app.app_context():
        assert db.engine.pool.checkedout() == 0


def test_reads_join_the_sessions_transaction_and_see_its_writes(app: Flask,
                                                                 make_user: MakeUser) -> None:
    """Once the session has begun a transaction, reads run in it: its flushed rows show."""
    make_user("alice")
    with app.app_context():
        db.session.add(User(username="bob", email="bob@example.com", password_hash="x"))
        db.session.flush()
        assert read_connection() is db.session.connection()
        assert read(USERNAMES, {}).scalars().all() == ["alice", "bob"]
        db.session.rollback()
        assert read(USERNAMES, {}).scalars().all() == ["alice"]


def test_a_failed_read_ends_its_connection_and_the_next_one_works(app: Flask,
                                                                  make_user: MakeUser) -> None:
    """An error closes the broken connection; the following read gets a fresh one."""
    make_user("alice")
    with app.app_context():
        first = read_connection()
        with pytest.raises(DBAPIError):  # SQLite: OperationalError; PostgreSQL: ProgrammingError
            read(sa.text("SELECT * FROM no_such_table"), {})
        assert first.closed
        assert read(USERNAMES, {}).scalars().all() == ["alice"]
        assert read_connection() is not first


def test_a_signed_in_page_leaves_no_connection_out(app: Flask, client: FlaskClient,
                                                   alice: User) -> None:
    """The feed (user and posts read, no write) returns every connection it borrowed."""
    assert client.get("/index").status_code == 200
    assert client.get("/explore").status_code == 200
    with app.app_context():
        assert db.engine.pool.checkedout() == 0
