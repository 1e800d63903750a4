"""The signed-in user of a request: one prepared Core query for a plain object, no ORM per request.

Every signed-in request loads its user (Flask-Login's `user_loader`), and most only read it:
the navbar's name, the feed's id, the last visit. An ORM `User` made each of them pay for the
ORM's result machinery and instrumented attributes. `SignedInUser` carries the columns as plain
attributes; the few requests that change the user (a post, a follow, a profile edit, the
once-a-minute visit) ask for the ORM object with `record()`.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import sqlalchemy as sa
from flask import g
from flask_login import UserMixin
from sqlalchemy.exc import SQLAlchemyError

from app.avatars.urls import avatar_url
from app.extensions import db, login
from app.models import User, follows, visit_is_due
from app.reads import read

# The columns, in SignedInUser's field order; the statement is built once per process.
_COLUMNS = (User.id, User.username, User.email, User.about_me, User.last_seen)


@cache
def _signed_in_row() -> sa.Select[tuple[int, str, str, str | None, datetime | None]]:
    return sa.select(*_COLUMNS).where(User.id == sa.bindparam("id"))


class SignedInUser(UserMixin):
    """The user a request is signed in as: the row's values, read-only, and the ORM on demand."""

    __slots__ = ("about_me", "email", "id", "last_seen", "username")

    def __init__(self, id: int, username: str, email: str, about_me: str | None,
                 last_seen: datetime | None) -> None:
        self.id = id
        self.username = username
        self.email = email
        self.about_me = about_me
        self.last_seen = last_seen

    def __repr__(self) -> str:
        return f"<SignedInUser {self.username}>"

    def record(self) -> User:
        """The ORM `User`, for changing it; one query, then the session's identity map."""
        return db.session.get_one(User, self.id)

    def avatar(self, size: int) -> str:
        """This user's avatar URL, as `User.avatar`."""
        return avatar_url(self.username, self.email, size)

    def is_following(self, user: User) -> bool:
        """Whether this user follows `user`, as `User.is_following`."""
        return follows(self.id, user.id)

    def seen_now(self, now: datetime | None = None) -> bool:
        """`User.seen_now`, reading the loaded value: the ORM only when a write is due."""
        if not visit_is_due(self.last_seen, now):
            return False
        record = self.record()
        seen = record.seen_now(now)  # decides again on the fresh row, as a User would
        self.last_seen = record.last_seen
        return seen


@login.user_loader
def load_user(user_id: str) -> SignedInUser | None:
    """Flask-Login's hook: the session stores the user's id."""
    if g.get("user_load_failed"):
        # The first failure is already becoming a 500; its page (and Flask-Login's template
        # context) must not fail again, so the rest of this request sees an anonymous user.
        return None
    try:
        key = int(user_id)
    except ValueError:  # a tampered session cannot crash the request
        return None
    try:
        row = read(_signed_in_row(), {"id": key}).first()
    except SQLAlchemyError:
        g.user_load_failed = True
        raise
    return None if row is None else SignedInUser(*row)
