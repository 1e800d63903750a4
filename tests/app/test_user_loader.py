"""Flask-Login's user loader: the ORM `User`, read again on every request."""

from __future__ import annotations

from contextlib import AbstractContextManager

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user

from app.extensions import db
from app.models import User
from tests.app.helpers import statements_sent


def _user_selects(app: Flask) -> AbstractContextManager[list[str]]:
    """Collect the SELECT statements that read the user table."""
    return statements_sent(app, lambda sql: sql.startswith("SELECT") and "FROM user" in sql)


def test_a_signed_in_request_has_the_orm_user(client: FlaskClient, alice: User) -> None:
    """current_user is the stored `User`, with its id, name and email."""
    with client:
        assert client.get("/index").status_code == 200
        assert isinstance(current_user, User)
        assert (current_user.id, current_user.username, current_user.email) == (
            alice.id, "alice", "alice@example.com")
        assert current_user.get_id() == str(alice.id)


def test_the_user_is_loaded_once_per_request(app: Flask, client: FlaskClient,
                                             alice: User) -> None:
    """Each request loads its user from the database, once, however often the page asks."""
    client.get("/index")  # the visit is written now, so the next requests only read
    with _user_selects(app) as selects:
        assert client.get("/explore").status_code == 200
        assert len(selects) == 1
        assert client.get("/explore").status_code == 200
        assert len(selects) == 2


def test_a_changed_row_shows_on_the_next_request(app: Flask, client: FlaskClient,
                                                 alice: User) -> None:
    """Nothing is cached across requests: a rename elsewhere shows in the next navbar."""
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == alice.id).values(username="alicia"))
        db.session.commit()
    page = client.get("/index").get_data(as_text=True)
    assert 'href="/user/alicia">Profile</a>' in page


def test_a_deleted_user_is_signed_out(app: Flask, client: FlaskClient, alice: User) -> None:
    """A session naming a user that no longer exists is anonymous, sent to log in."""
    with app.app_context():
        db.session.execute(sa.delete(User).where(User.id == alice.id))
        db.session.commit()
    response = client.get("/index")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
