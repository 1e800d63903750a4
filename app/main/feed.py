"""Pages of posts, ready to print: one prepared query each, no COUNT, no ORM objects.

The post lists (home feed, explore, profile) are the busiest pages. Rendering ORM `Post` objects
made each post pay for attribute instrumentation, a `url_for` per author link and an avatar hash;
building the query per request cost more than running it. Here each list's statement is built
once per process (parameters bound at execution), each author's link, avatar and name once per
page, and each post becomes its finished, escaped HTML (app.main.post_html).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeAlias

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup

from app.avatars.urls import avatar_url
from app.main import bp
from app.main.filters import both_utc
from app.main.post_html import author_head, join_articles, post_article, post_list_html
from app.models import Post, User, in_feed_of, newest_first
from app.reads import read

AVATAR_SIZE = 48
# Databases take 64-bit offsets; a `?page=` beyond that is past the end (empty), not a 500.
_LARGEST_OFFSET = 2**63 - 1

# body, timestamp, author's username, author's email (a string: only type checkers read it).
_RowQuery: TypeAlias = "sa.Select[str, datetime, str, str]"


@dataclass(frozen=True)
class PostPage:
    """One page of posts, with the newer/older links a `Pagination` would offer (no page count)."""

    items: list[str]  # each post's finished <article> HTML, newest first
    page: int
    has_next: bool

    @property
    def html(self) -> Markup:
        """Every post of the page as one safe string."""
        return join_articles(self.items)

    @property
    def has_prev(self) -> bool:
        """Any page after the first has newer posts before it (even one past the end)."""
        return self.page > 1

    @property
    def prev_num(self) -> int | None:
        """The newer page's number, if there is one."""
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        """The older page's number, if there is one."""
        return self.page + 1 if self.has_next else None


@bp.app_template_global()
def post_list(posts: PostPage, endpoint: str, page_args: Mapping[str, Any] | None = None) -> Markup:
    """Templates' `post_list(posts, endpoint, page_args)`: the posts and their newer/older links.

    A Python global rather than a macro imported from a template: Jinja's `{% from ... import %}`
    compares the importing and the imported template's globals on every render.
    """
    args = page_args or {}
    newer = url_for(endpoint, page=posts.prev_num, **args) if posts.has_prev else None
    older = url_for(endpoint, page=posts.next_num, **args) if posts.has_next else None
    return post_list_html(posts.html, newer, older)


def home_posts(user_id: int, page: int, per_page: int) -> PostPage:
    """The home feed: the user's own posts and those of everyone they follow."""
    return _fetch(_home_query(), {"user_id": user_id}, page, per_page)


def all_posts(page: int, per_page: int) -> PostPage:
    """Explore: everyone's posts."""
    return _fetch(_all_query(), {}, page, per_page)


def author_posts(user_id: int, page: int, per_page: int) -> PostPage:
    """A profile: one user's posts."""
    return _fetch(_author_query(), {"user_id": user_id}, page, per_page)


def _rows() -> _RowQuery:
    """The columns a list prints, newest first, one page at a time (limit and offset bound)."""
    return (
        sa.select(Post.body, Post.timestamp, User.username, User.email)
        .join(User, Post.user_id == User.id)
        .order_by(*newest_first())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


# Statements are immutable and dialect-neutral, so one per process serves every app and thread.
@cache
def _home_query() -> _RowQuery:
    return _rows().where(in_feed_of(sa.bindparam("user_id")))


@cache
def _all_query() -> _RowQuery:
    return _rows()


@cache
def _author_query() -> _RowQuery:
    return _rows().where(Post.user_id == sa.bindparam("user_id"))


def _fetch(query: _RowQuery, params: dict[str, int], page: int,
           per_page: int) -> PostPage:
    """Run `query` for `page`, one extra row telling whether an older page exists."""
    offset = (page - 1) * per_page
    if offset > _LARGEST_OFFSET:
        return PostPage(items=[], page=page, has_next=False)
    # Core execution on the read connection (app.reads; the session's, once it has begun a
    # transaction): these are plain column rows, so the ORM layer would only add cost. It
    # skips autoflush, which the list views never need: they read before changing anything
    # (a new post redirects first).
    rows = read(query, {**params, "limit": per_page + 1, "offset": offset}).all()
    heads: dict[str, str] = {}  # username -> that author's escaped part of a post
    items = []
    for body, timestamp, username, email in rows[:per_page]:
        head = heads.get(username)
        if head is None:
            head = heads[username] = author_head(url_for("main.user", username=username),
                                                 avatar_url(username, email, AVATAR_SIZE), username)
        items.append(post_article(head, *both_utc(timestamp), body))
    return PostPage(items=items, page=page, has_next=len(rows) > per_page)
