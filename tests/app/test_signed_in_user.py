"""The signed-in user: a plain snapshot of the row per request, the ORM only for changes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user

from app.extensions import db
from app.models import User
from app.signed_in import SignedInUser
from tests.app.helpers import MakeUser


def test_a_signed_in_request_sees_the_rows_values(client: FlaskClient, alice: User) -> None:
    """current_user is a SignedInUser holding the stored id, name, email and about me."""
    with client:
        assert client.get("/index").status_code == 200
        user = current_user._get_current_object()
        assert isinstance(user, SignedInUser)
        assert (user.id, user.username, user.email, user.about_me) == (
            alice.id, "alice", "alice@example.com", None)
        assert user.get_id() == str(alice.id)
        assert user.record().username == "alice"


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


def test_is_following_matches_the_orm_user(app: Flask, client: FlaskClient, alice: User,
                                           make_user: MakeUser) -> None:
    """The snapshot answers is_following as the ORM user does, before and after a follow."""
    bob = make_user("bob")
    with client:
        client.get("/index")
        assert current_user.is_following(bob) is False
    with app.app_context():
        me = db.session.get_one(User, alice.id)
        me.follow(db.session.get_one(User, bob.id))
        db.session.commit()
        assert me.is_following(bob) is True
    with client:
        client.get("/index")
        assert current_user.is_following(bob) is True
