"""CSRF tokens are enforced on every form when WTF_CSRF_ENABLED is on (the default)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Post, followers
from tests.app.helpers import PASSWORD, AuthActions, MakeUser, csrf_token_from, with_csrf

CSRF_PAGE = "Form expired"


def test_csrf_is_on_by_default(app_config: dict[str, object]) -> None:
    """Without the test override, Flask-WTF's CSRF protection is active."""
    from app import create_app

    config = {key: value for key, value in app_config.items() if key != "WTF_CSRF_ENABLED"}
    assert create_app(config).config.get("WTF_CSRF_ENABLED", True) is True


def test_every_form_page_carries_a_token(csrf_client: FlaskClient) -> None:
    """Login and register forms embed a csrf_token field."""
    for page in ("/login", "/register"):
        assert csrf_token_from(csrf_client.get(page).get_data(as_text=True))


def test_post_without_token_gets_the_csrf_error_page(csrf_client: FlaskClient,
                                                     make_user: MakeUser) -> None:
    """A login POST without a token is a 400 CSRF page in the layout, and logs nobody in."""
    make_user("alice")
    response = csrf_client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert CSRF_PAGE in page
    assert 'class="navbar' in page
    assert response.headers["X-Request-ID"] in page
    assert csrf_client.get("/index").status_code == 302


def test_post_with_a_wrong_token_is_refused(csrf_client: FlaskClient) -> None:
    """A forged token is as bad as none."""
    response = csrf_client.post("/register", data={"csrf_token": "forged", "username": "x"})
    assert response.status_code == 400
    assert CSRF_PAGE in response.get_data(as_text=True)


def test_csrf_error_as_json(csrf_client: FlaskClient) -> None:
    """API clients get the CSRF failure as JSON with the request ID."""
    response = csrf_client.post("/login", headers={"Accept": "application/json"})
    assert response.status_code == 400
    body = response.json
    assert body is not None
    assert set(body) == {"error", "message", "request_id"}
    assert body["error"] == CSRF_PAGE
    assert "reload the page" in body["message"]
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_login_with_token_works(csrf_client: FlaskClient, make_user: MakeUser) -> None:
    """The real flow, token included, logs in."""
    make_user("alice")
    response = AuthActions(csrf_client).login("alice")
    assert response.headers["Location"] == "/index"


def test_follow_without_token_is_refused(csrf_app: Flask, csrf_client: FlaskClient,
                                         make_user: MakeUser) -> None:
    """The follow button's POST needs the token from the profile page; without it, 400."""
    make_user("alice")
    make_user("bob")
    AuthActions(csrf_client).login("alice")
    assert csrf_client.post("/follow/bob").status_code == 400
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(followers)) == 0

    token = csrf_token_from(csrf_client.get("/user/bob").get_data(as_text=True))
    assert csrf_client.post("/follow/bob", data={"csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(followers)) == 1


def test_the_post_form_carries_a_working_token(csrf_app: Flask, csrf_client: FlaskClient,
                                               make_user: MakeUser) -> None:
    """The hand-written post form on /index embeds a token that publishes the post."""
    make_user("alice")
    AuthActions(csrf_client).login("alice")
    assert csrf_client.post("/index", data={"post": "no token"}).status_code == 400
    data = with_csrf(csrf_client, "/index", {"post": "with token"})
    assert data.get("csrf_token")
    assert csrf_client.post("/index", data=data).status_code == 302
    with csrf_app.app_context():
        assert db.session.scalars(sa.select(Post.body)).all() == ["with token"]
