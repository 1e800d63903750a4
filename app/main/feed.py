"""Pages of posts as plain rows, ready to print: one prepared query each, no COUNT, no ORM objects.

The post lists (home feed, explore, profile) are the busiest pages. Rendering ORM `Post` objects
made each post pay for attribute instrumentation, a `url_for` per author link and an avatar hash;
building the query per request cost more than running it. Here each list's statement is built
once per process (parameters bound at execution), each author's link and avatar once per page,
and the template only prints strings (still autoescaped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import NamedTuple, TypeAlias

import sqlalchemy as sa
from flask import url_for

from app.extensions import db
from app.main.filters import both_utc
from app.models import Post, User, avatar_url, in_feed_of, newest_first

AVATAR_SIZE = 48
# Databases take 64-bit offsets; a `?page=` beyond that is past the end (empty), not a 500.
_LARGEST_OFFSET = 2**63 - 1

# body, timestamp, author's username, author's email (a string: only type checkers read it).
_RowQuery: TypeAlias = "sa.Select[str, datetime, str, str]"


class PostRow(NamedTuple):
    """One post as the lists show it; every field is a finished string (escaped on output)."""

    body: str
    author: str
    author_url: str
    avatar_url: str
    iso_time: str  # for <time datetime=...>
    display_time: str


@dataclass(frozen=True)
class PostPage:
    """One page of rows, with the newer/older links a `Pagination` would offer (no page count)."""

    items: list[PostRow]
    page: int
    has_next: bool

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
    # Core execution on the session's own connection (same transaction): these are plain
    # column rows, so the ORM layer would only add cost. It skips autoflush, which the list
    # views never need: they read before changing anything (a new post redirects first).
    rows = db.session.connection().execute(
        query, {**params, "limit": per_page + 1, "offset": offset}
    ).all()
    authors: dict[str, tuple[str, str]] = {}
    items = []
    for body, timestamp, username, email in rows[:per_page]:
        author = authors.get(username)
        if author is None:
            author = authors[username] = (url_for("main.user", username=username),
                                          avatar_url(email, AVATAR_SIZE))
        items.append(PostRow(body, username, *author, *both_utc(timestamp)))
    return PostPage(items=items, page=page, has_next=len(rows) > per_page)
