"""Pages of posts for the three lists (home feed, explore, a profile): one query per page.

Each page is one `select` of posts joined to their authors (no query per post), through the
session. It asks for one post more than the page shows: that row tells whether an older page
exists, so no list needs a COUNT.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models import Post, in_feed_of, newest_first

# Databases take 64-bit offsets; a `?page=` beyond that is past the end (empty), not a 500.
_LARGEST_OFFSET = 2**63 - 1


@dataclass(frozen=True)
class PostPage:
    """One page of posts, with the newer/older links a `Pagination` would offer (no page count)."""

    items: list[Post]  # newest first, each with its author loaded
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
    return _fetch(in_feed_of(user_id), page, per_page)


def all_posts(page: int, per_page: int) -> PostPage:
    """Explore: everyone's posts."""
    return _fetch(sa.true(), page, per_page)


def author_posts(user_id: int, page: int, per_page: int) -> PostPage:
    """A profile: one user's posts."""
    return _fetch(Post.user_id == user_id, page, per_page)


def _fetch(criterion: sa.ColumnElement[bool], page: int, per_page: int) -> PostPage:
    """The posts matching `criterion` on `page`, plus one to tell whether an older page exists."""
    offset = (page - 1) * per_page
    if offset > _LARGEST_OFFSET:
        return PostPage(items=[], page=page, has_next=False)
    query = (
        sa.select(Post)
        .join(Post.author)
        .options(so.contains_eager(Post.author))  # the author comes with the post: no N+1
        .where(criterion)
        .order_by(*newest_first())
        .limit(per_page + 1)
        .offset(offset)
    )
    posts = list(db.session.scalars(query))
    return PostPage(items=posts[:per_page], page=page, has_next=len(posts) > per_page)
