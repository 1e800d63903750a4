"""The layout every page extends: navbar, flashes, responsive, Bootstrap served locally."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from app.models import User
from tests.app.helpers import MakeUser

ANONYMOUS_PAGES = ["/login", "/register", "/no/such/page"]
SIGNED_IN_PAGES = ["/", "/index", "/explore", "/user/alice", "/user/bob", "/edit_profile"]
_ASSET = re.compile(r'(?:href|src)="([^"]+\.(?:css|js))"')


def _assert_layout(page: str) -> None:
    """The page is wrapped in the shared layout."""
    assert page.startswith("<!doctype html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert 'class="navbar' in page
    assert 'class="navbar-toggler"' in page  # the collapsed menu for phone widths
    assert "/bootstrap/static/css/bootstrap.min.css" in page


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_use_the_layout(client: FlaskClient, path: str) -> None:
    """Login, register and error pages share the layout and offer Login/Register."""
    page = client.get(path).get_data(as_text=True)
    _assert_layout(page)
    assert 'href="/login"' in page
    assert 'href="/register"' in page


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_signed_in_pages_use_the_layout(client: FlaskClient, alice: User, make_user: MakeUser,
                                        path: str) -> None:
    """Every signed-in page shares the layout with Profile and Logout links."""
    make_user("bob")
    response = client.get(path)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _assert_layout(page)
    assert 'href="/user/alice"' in page
    assert '<form method="post" action="/logout">' in page


def test_no_asset_comes_from_a_cdn(client: FlaskClient) -> None:
    """Every stylesheet and script is a local path, and each one is actually served."""
    assets = _ASSET.findall(client.get("/login").get_data(as_text=True))
    assert any("bootstrap" in asset and asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert not asset.startswith("//"), asset
        with client.get(asset) as response:  # closes the streamed file
            assert response.status_code == 200, asset
            assert response.headers["X-Request-ID"]


def test_flashed_messages_show_once(client: FlaskClient, alice: User) -> None:
    """A flash appears on the next page as an alert, then is gone."""
    client.post("/index", data={"post": "hello"})
    assert 'class="alert alert-success"' in client.get("/index").get_data(as_text=True)
    assert "Your post is now live!" not in client.get("/index").get_data(as_text=True)


def test_page_titles_name_the_page(client: FlaskClient) -> None:
    """The title bar says which page this is."""
    assert "<title>Sign in · Microblog</title>" in client.get("/login").get_data(as_text=True)
    assert "<title>Register · Microblog</title>" in client.get("/register").get_data(as_text=True)


def test_layout_links_follow_the_script_root(client: FlaskClient) -> None:
    """The layout's links carry each request's own mount point (an app served under /blog)."""
    mounted = client.get("/login", base_url="http://localhost/blog").get_data(as_text=True)
    plain = client.get("/login").get_data(as_text=True)
    assert 'href="/blog/register"' in mounted
    assert 'href="/blog/bootstrap/static/css/bootstrap.min.css"' in mounted
    assert 'href="/register"' in plain
    assert 'href="/blog/' not in plain
