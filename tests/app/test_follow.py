"""Following and unfollowing through the POST forms."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User, followers
from tests.app.helpers import MakeUser


def _follow_pairs(app: Flask) -> set[tuple[int, int]]:
    with app.app_context():
        rows = db.session.execute(sa.select(followers.c.follower_id, followers.c.followed_id))
        return {(row.follower_id, row.followed_id) for row in rows}


def test_follow_then_unfollow(app: Flask, client: FlaskClient, alice: User,
                              make_user: MakeUser) -> None:
    """Follow adds the pair and flips the button; unfollow removes it again."""
    bob = make_user("bob")
    response = client.post("/follow/bob")
    assert response.headers["Location"] == "/user/bob"
    assert _follow_pairs(app) == {(alice.id, bob.id)}
    page = client.get("/user/bob").get_data(as_text=True)
    assert "You are following bob." in page
    assert 'action="/unfollow/bob"' in page
    assert '<span class="followers-count">1</span> follower,' in page

    assert client.post("/unfollow/bob").headers["Location"] == "/user/bob"
    assert _follow_pairs(app) == set()
    page = client.get("/user/bob").get_data(as_text=True)
    assert "You are not following bob." in page
    assert 'action="/follow/bob"' in page


def test_following_twice_is_harmless(app: Flask, client: FlaskClient, alice: User,
                                     make_user: MakeUser) -> None:
    """A repeated follow (double click) keeps one pair and never fails."""
    bob = make_user("bob")
    client.post("/follow/bob")
    assert client.post("/follow/bob").status_code == 302
    assert _follow_pairs(app) == {(alice.id, bob.id)}


def test_counts_on_the_followers_profile(client: FlaskClient, alice: User,
                                        make_user: MakeUser) -> None:
    """Alice's own profile counts whom she follows."""
    make_user("bob")
    make_user("carol")
    client.post("/follow/bob")
    client.post("/follow/carol")
    page = client.get("/user/alice").get_data(as_text=True)
    assert '<span class="following-count">2</span> following' in page


def test_you_cannot_follow_yourself(app: Flask, client: FlaskClient, alice: User) -> None:
    """Following yourself is refused with a message, not stored."""
    response = client.post("/follow/alice", follow_redirects=True)
    assert "You cannot follow or unfollow yourself." in response.get_data(as_text=True)
    assert _follow_pairs(app) == set()


def test_following_an_unknown_user_is_404(client: FlaskClient, alice: User) -> None:
    """Follow and unfollow of a name nobody has is a 404 page."""
    assert client.post("/follow/ghost").status_code == 404
    assert client.post("/unfollow/ghost").status_code == 404


def test_follow_needs_post(client: FlaskClient, alice: User, make_user: MakeUser) -> None:
    """GET /follow/<name> is a 405 that names the allowed method, so links cannot follow."""
    make_user("bob")
    response = client.get("/follow/bob")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


def test_follow_needs_login(app: Flask, client: FlaskClient, make_user: MakeUser) -> None:
    """Anonymous follow requests go to the login page and change nothing."""
    make_user("bob")
    response = client.post("/follow/bob")
    assert response.headers["Location"].startswith("/login")
    assert _follow_pairs(app) == set()
