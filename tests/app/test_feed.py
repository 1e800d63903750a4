"""The post lists: one query per page with the authors, a look-ahead row instead of a COUNT."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

from flask import Flask, render_template_string
from flask.testing import FlaskClient

from app.extensions import db
from app.main.feed import PostPage, all_posts, author_posts, home_posts
from app.models import Post, User
from tests.app.helpers import statements_sent

START = datetime(2024, 1, 1, tzinfo=UTC)


def _user(name: str) -> User:
    user = User(username=name, email=f"{name}@example.com")
    db.session.add(user)
    db.session.flush()
    return user


def _post(author: User, minute: int, body: str | None = None) -> None:
    db.session.add(Post(body=body or f"post {minute}", author=author,
                        timestamp=START + timedelta(minutes=minute)))


def _bodies(page: PostPage) -> list[str]:
    return [post.body for post in page.items]


def _selects(app: Flask) -> AbstractContextManager[list[str]]:
    """Collect the SELECT statements the app sends to the database."""
    return statements_sent(app, lambda sql: sql.upper().startswith("SELECT"))


def test_the_home_feed_has_own_and_followed_posts_newest_first(app: Flask) -> None:
    """Own posts and followed users' posts, not strangers', newest first."""
    with app.app_context():
        john, susan, mary = _user("john"), _user("susan"), _user("mary")
        for minute, author in enumerate([john, susan, mary, john]):
            _post(author, minute)
        john.follow(susan)
        db.session.commit()
        assert _bodies(home_posts(john.id, 1, 10)) == ["post 3", "post 1", "post 0"]
        assert _bodies(home_posts(mary.id, 1, 10)) == ["post 2"]
        assert _bodies(author_posts(john.id, 1, 10)) == ["post 3", "post 0"]
        assert _bodies(all_posts(1, 10)) == ["post 3", "post 2", "post 1", "post 0"]


def test_the_look_ahead_row_says_whether_an_older_page_exists(app: Flask) -> None:
    """Five posts at two per page: pages 1 and 2 link onward, page 3 (one post) is the last."""
    with app.app_context():
        john = _user("john")
        for minute in range(5):
            _post(john, minute)
        db.session.commit()
        first, second, third = (all_posts(page, 2) for page in (1, 2, 3))
    assert (_bodies(first), first.has_next, first.has_prev) == (["post 4", "post 3"], True, False)
    assert (second.prev_num, second.next_num) == (1, 3)
    assert (_bodies(third), third.has_next, third.next_num) == (["post 0"], False, None)


def test_an_exactly_full_last_page_has_no_older_page(app: Flask) -> None:
    """Four posts at two per page: page 2 is full and the last one."""
    with app.app_context():
        john = _user("john")
        for minute in range(4):
            _post(john, minute)
        db.session.commit()
        second = all_posts(2, 2)
    assert _bodies(second) == ["post 1", "post 0"]
    assert not second.has_next


def test_a_page_beyond_any_offset_is_empty(app: Flask) -> None:
    """A page number past what a database offset can hold is an empty page, not an error."""
    with app.app_context():
        page = all_posts(10**20, 25)
    assert page.items == [] and not page.has_next and page.has_prev


def test_one_query_per_list_however_many_authors(app: Flask, client: FlaskClient,
                                                 alice: User) -> None:
    """Explore runs as many SELECTs for ten authors as for one: authors come with their posts."""
    with app.app_context():
        _post(db.session.get_one(User, alice.id), 0)
        db.session.commit()
    with _selects(app) as one_author:
        assert client.get("/explore").status_code == 200
    with app.app_context():
        for number in range(1, 10):
            _post(_user(f"author{number}"), number)
        db.session.commit()
    with _selects(app) as ten_authors:
        page = client.get("/explore").get_data(as_text=True)
    assert page.count('<article class="post') == 10
    assert len(ten_authors) == len(one_author)
    assert sum("FROM post" in statement for statement in ten_authors) == 1


def test_the_post_list_escapes_what_users_wrote(app: Flask) -> None:
    """A body or a name with markup in it is shown as text, never as HTML."""
    with app.app_context():
        author = _user("<b>eve</b>")
        _post(author, 0, body="<script>alert('x')</script> & more")
        db.session.commit()
        with app.test_request_context("/explore"):
            html = render_template_string(
                '{% from "_posts.html" import post_list %}{{ post_list(posts, "main.explore") }}',
                posts=all_posts(1, 10))
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more</p>" in html
    assert ">&lt;b&gt;eve&lt;/b&gt;</a>" in html
    assert "<script>" not in html and "<b>" not in html


def test_page_links_carry_the_route_arguments(app: Flask) -> None:
    """A profile's newer/older links keep its username (escaped) and say which page."""
    with app.app_context():
        john = _user("john")
        for minute in range(5):
            _post(john, minute)
        db.session.commit()
        with app.test_request_context("/user/john"):
            html = render_template_string(
                '{% from "_posts.html" import post_list %}'
                '{{ post_list(posts, "main.user", {"username": "a b&c"}) }}',
                posts=author_posts(john.id, 2, 2))
    assert 'href="/user/a%20b&amp;c?page=1">&larr; Newer posts' in html
    assert 'href="/user/a%20b&amp;c?page=3">Older posts &rarr;' in html


def test_an_empty_list_says_so(app: Flask) -> None:
    """No posts: the 'No posts yet.' line and no page links."""
    with app.app_context(), app.test_request_context("/explore"):
        html = render_template_string(
            '{% from "_posts.html" import post_list %}{{ post_list(posts, "main.explore") }}',
            posts=all_posts(1, 10))
    assert "No posts yet." in html
    assert "pagination" not in html
