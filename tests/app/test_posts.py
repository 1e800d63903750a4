"""Posting, the home feed, explore, and pagination."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import Post, User
from tests.app.helpers import MakeUser

_BODY = re.compile(r'<p class="post-body mb-0">(.*?)</p>', re.S)


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Three posts per page, so pagination shows with few posts."""
    return {**app_config, "POSTS_PER_PAGE": 3}


def _bodies(client: FlaskClient, url: str) -> list[str]:
    return _BODY.findall(client.get(url).get_data(as_text=True))


def _add_posts(app: Flask, username: str, count: int, start: int = 0) -> None:
    """`count` posts by `username`, one minute apart, numbered from `start`."""
    base = datetime(2024, 1, 1, tzinfo=UTC)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        for number in range(start, start + count):
            db.session.add(Post(body=f"post {number}", author=user,
                                timestamp=base + timedelta(minutes=number)))
        db.session.commit()


def _stored_bodies(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Post.body).order_by(Post.id)))


def test_index_shows_the_post_form(client: FlaskClient, alice: User) -> None:
    """The home page has the `post` field and says Home, for / and /index alike."""
    for path in ("/", "/index"):
        page = client.get(path).get_data(as_text=True)
        assert 'name="post"' in page
        assert "<title>Home" in page


def test_posting_redirects_and_stores(app: Flask, client: FlaskClient, alice: User) -> None:
    """A post is saved, then Post/Redirect/Get lands on /index showing it with a flash."""
    response = client.post("/index", data={"post": "Hello <b>world</b>"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/index"
    page = client.get("/index").get_data(as_text=True)
    assert "Your post is now live!" in page
    assert "Hello &lt;b&gt;world&lt;/b&gt;" in page  # escaped, never markup
    assert _stored_bodies(app) == ["Hello <b>world</b>"]


def test_posting_from_root_url_works(app: Flask, client: FlaskClient, alice: User) -> None:
    """The form also posts to / (the same view)."""
    assert client.post("/", data={"post": "from root"}).status_code == 302
    assert _stored_bodies(app) == ["from root"]


def test_a_post_of_exactly_280_characters_is_accepted(app: Flask, client: FlaskClient,
                                                      alice: User) -> None:
    """280 characters (counted as characters, not bytes) is the limit, inclusive."""
    body = "\u00e9" * 280
    assert client.post("/index", data={"post": body}).status_code == 302
    assert _stored_bodies(app) == [body]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "This field is required."),
        ("   \n\t ", "This field is required."),
        ("x" * 281, "Field must be between 1 and 280 characters long."),
    ],
)
def test_bad_posts_are_form_errors(app: Flask, client: FlaskClient, alice: User, body: str,
                                   message: str) -> None:
    """Empty, blank or over-long posts re-render the page with an error and store nothing."""
    response = client.post("/index", data={"post": body})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _stored_bodies(app) == []


def test_feed_shows_own_and_followed_posts_only(
    app: Flask, client: FlaskClient, alice: User, make_user: MakeUser
) -> None:
    """Home lists alice's and followed bob's posts, not carol's; explore lists all three."""
    make_user("bob")
    make_user("carol")
    _add_posts(app, "alice", 1, start=0)
    _add_posts(app, "bob", 1, start=1)
    _add_posts(app, "carol", 1, start=2)
    client.post("/follow/bob")
    assert _bodies(client, "/index") == ["post 1", "post 0"]
    assert _bodies(client, "/explore") == ["post 2", "post 1", "post 0"]


def test_explore_has_no_post_form(client: FlaskClient, alice: User) -> None:
    """Explore is for reading: no post field."""
    page = client.get("/explore").get_data(as_text=True)
    assert "<title>Explore" in page
    assert 'name="post"' not in page


@pytest.mark.parametrize("path", ["/index", "/explore", "/user/alice"])
def test_pagination_pages_through_newest_first(
    app: Flask, client: FlaskClient, alice: User, path: str
) -> None:
    """Seven posts at three per page: 3, 3, 1, with newer/older links where they apply."""
    _add_posts(app, "alice", 7)
    assert _bodies(client, path) == ["post 6", "post 5", "post 4"]
    second = client.get(f"{path}?page=2").get_data(as_text=True)
    assert _BODY.findall(second) == ["post 3", "post 2", "post 1"]
    assert "page=1" in second
    assert "page=3" in second
    assert _bodies(client, f"{path}?page=3") == ["post 0"]


@pytest.mark.parametrize("page", ["99", "0", "-1", "abc", "", "9" * 30])
def test_odd_page_numbers_never_fail(app: Flask, client: FlaskClient, alice: User,
                                     page: str) -> None:
    """Out-of-range or non-numeric ?page= is a normal 200 (empty page or the first)."""
    _add_posts(app, "alice", 4)
    response = client.get(f"/explore?page={page}")
    assert response.status_code == 200
    expected = [] if page.startswith("99") else ["post 3", "post 2", "post 1"]
    assert _BODY.findall(response.get_data(as_text=True)) == expected


def test_posts_per_page_default_is_25(make_user: MakeUser, app_config: dict[str, Any]) -> None:
    """Without an override, config.yaml's POSTS_PER_PAGE of 25 applies."""
    from app import create_app

    config = {key: value for key, value in app_config.items() if key != "POSTS_PER_PAGE"}
    assert create_app(config).config["POSTS_PER_PAGE"] == 25


def test_a_bad_post_is_marked_on_its_field(client: FlaskClient, alice: User) -> None:
    """The error sits under the labelled field, which keeps the (escaped) text and points at it."""
    page = client.post("/index", data={"post": "<i>" + "x" * 280}).get_data(as_text=True)
    assert '<label class="form-label" for="post">Say something</label>' in page
    field = re.search(r"<textarea [^>]*>", page)
    assert field is not None
    for attribute in ('class="form-control is-invalid"', 'id="post"', 'name="post"',
                      'maxlength="280"', 'aria-invalid="true"', 'aria-describedby="post-errors"'):
        assert attribute in field.group(0)
    assert "&lt;i&gt;xxx" in page
    assert re.search(r'<div class="invalid-feedback d-block" id="post-errors">\s*'
                     r"Field must be between 1 and 280 characters long.\s*</div>", page)


def test_a_fresh_post_form_shows_no_error(client: FlaskClient, alice: User) -> None:
    """Before any submission the field is neither invalid nor described by an error."""
    page = client.get("/index").get_data(as_text=True)
    assert 'class="form-control" id="post"' in page
    assert "aria-invalid" not in page
    assert "invalid-feedback" not in page


def test_a_failed_post_leaves_the_next_form_blank(client: FlaskClient, alice: User) -> None:
    """The GET form is shared: a rejected post's text and errors never show on a later GET."""
    rejected = client.post("/index", data={"post": "secret draft " + "x" * 280})
    assert "invalid-feedback" in rejected.get_data(as_text=True)
    page = client.get("/index").get_data(as_text=True)
    assert "secret draft" not in page
    assert "invalid-feedback" not in page
    assert re.search(r'<textarea [^>]*required>\n</textarea>', page)


def test_older_link_only_when_older_posts_exist(app: Flask, client: FlaskClient,
                                                alice: User) -> None:
    """Six posts at three per page: page 1 links to page 2, page 2 (exactly full) is the last."""
    _add_posts(app, "alice", 6)
    first = client.get("/index").get_data(as_text=True)
    assert 'href="/index?page=2"' in first
    second = client.get("/index?page=2").get_data(as_text=True)
    assert _BODY.findall(second) == ["post 2", "post 1", "post 0"]
    assert 'href="/index?page=1"' in second
    assert "page=3" not in second
    assert '<a class="page-link" href="#">Older posts' in second


_ARTICLE = re.compile(r'<article class="post.*?</article>', re.S)


def test_each_post_names_and_links_its_own_author(app: Flask, client: FlaskClient, alice: User,
                                                  make_user: MakeUser) -> None:
    """Interleaved authors on one page: every post shows its own author's link and avatar."""
    bob = make_user("bob")
    for number, name in enumerate(["alice", "bob", "alice"]):
        _add_posts(app, name, 1, start=number)
    articles = _ARTICLE.findall(client.get("/explore").get_data(as_text=True))
    assert len(articles) == 3
    for article, user in zip(articles, [alice, bob, alice], strict=True):
        assert article.count(f'href="/user/{user.username}"') == 2
        assert f">{user.username}</a>" in article
        assert f'src="/avatar/{user.username}.svg"' in article
