"""Pages of posts for the three lists (home feed, explore, a profile): one query per page.

Each page is one `select` of the columns a list shows, joined to the authors (no query per
post), through the session: rows rather than `Post` objects, since a list only reads them. It
asks for one post more than the page shows: that row tells whether an older page exists, so no
list needs a COUNT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for

from app.extensions import db
from app.models import Post, User, in_feed_of, newest_first

# Databases take 64-bit offsets; a `?page=` beyond that is past the end (empty), not a 500.
_LARGEST_OFFSET = 2**63 - 1

# The author's entity, named so that each row reads `row.author`.
_AUTHOR = so.aliased(User, name="author")

# A list's query: body, timestamp, author id and the author.
PageQuery = sa.Select[str, datetime, int, User]


class ListedPost(Protocol):
    """What a list shows of a post: a row of the page's query."""

    body: str
    timestamp: datetime
    author_id: int
    author: User


@dataclass(frozen=True)
class AuthorLinks:
    """An author as a list shows them: name, profile URL and avatar URL, built once per page."""

    username: str
    url: str
    avatar: str


@dataclass(frozen=True)
class PostPage:
    """One page of posts, with the newer/older links a `Pagination` would offer (no page count)."""

    items: list[ListedPost]  # newest first
    page: int
    has_next: bool

    def authors(self, avatar_size: int) -> dict[int, AuthorLinks]:
        """Each distinct author's links, by id: computed once per author, not once per post."""
        authors = {post.author_id: post.author for post in self.items}
        return {
            author_id: AuthorLinks(
                username=author.username,
                url=url_for("main.user", username=author.username),
                avatar=author.avatar(avatar_size),
            )
            for author_id, author in authors.items()
        }

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
    return _fetch(_HOME, page, per_page, user_id=user_id)


def all_posts(page: int, per_page: int) -> PostPage:
    """Explore: everyone's posts."""
    return _fetch(_ALL, page, per_page)


def author_posts(user_id: int, page: int, per_page: int) -> PostPage:
    """A profile: one user's posts."""
    return _fetch(_BY_AUTHOR, page, per_page, user_id=user_id)


def _page_query(criterion: sa.ColumnElement[bool]) -> PageQuery:
    """One list's query, built once: the user, the page size and offset are bound parameters,
    so each request reuses the statement and its cache key (SQLAlchemy's compiled cache)."""
    return (
        # The author comes with the post (no N+1); one `User` per distinct author.
        sa.select(Post.body, Post.timestamp, Post.user_id.label("author_id"), _AUTHOR)
        .join(_AUTHOR, Post.author)
        .where(criterion)
        .order_by(*newest_first())
        .limit(sa.bindparam("limit", type_=sa.Integer))
        .offset(sa.bindparam("offset", type_=sa.Integer))
    )


_USER_ID = sa.bindparam("user_id", type_=sa.Integer)
_HOME = _page_query(in_feed_of(_USER_ID))
_ALL = _page_query(sa.true())
_BY_AUTHOR = _page_query(Post.user_id == _USER_ID)


def _fetch(query: PageQuery, page: int, per_page: int, **params: int) -> PostPage:
    """The posts of `query` on `page`, plus one to tell whether an older page exists."""
    offset = (page - 1) * per_page
    if offset > _LARGEST_OFFSET:
        return PostPage(items=[], page=page, has_next=False)
    rows = db.session.execute(query, {"limit": per_page + 1, "offset": offset, **params})
    posts: list[ListedPost] = list(rows)
    return PostPage(items=posts[:per_page], page=page, has_next=len(posts) > per_page)
