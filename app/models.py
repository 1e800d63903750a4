"""Database models: users, their posts, and who follows whom (SQLAlchemy 2.0 typing)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db

USERNAME_MAX = 64
EMAIL_MAX = 120
ABOUT_ME_MAX = 280
POST_MAX = 280
# A visit is written at most this often per user, so browsing costs no database write per request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC (the one clock every model uses)."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """Every stored time is UTC, but SQLite hands it back naive and PostgreSQL in its zone."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def visit_is_due(last_seen: datetime | None, now: datetime | None = None) -> bool:
    """Whether a visit at `now` should be written: the stored one is missing or a minute old."""
    return last_seen is None or (now or utcnow()) - as_utc(last_seen) >= LAST_SEEN_RESOLUTION


followers = sa.Table(
    "followers",
    db.metadata,
    sa.Column("follower_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
    sa.Column("followed_id", sa.Integer, sa.ForeignKey("user.id"), primary_key=True),
)


class User(UserMixin, db.Model):  # type: ignore[name-defined]  # db.Model: python/mypy#8603
    """A person with an account; usernames are unique regardless of letter case."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(USERNAME_MAX), unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(EMAIL_MAX), unique=True)
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(256))
    about_me: so.Mapped[str | None] = so.mapped_column(sa.String(ABOUT_ME_MAX))
    last_seen: so.Mapped[datetime | None] = so.mapped_column(
        sa.DateTime(timezone=True), default=utcnow
    )
    # The admin role: granted by an operator (`flask --app wsgi admin grant`), never claimed.
    is_admin: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    posts: so.WriteOnlyMapped[Post] = so.relationship(back_populates="author")
    following: so.WriteOnlyMapped[User] = so.relationship(
        secondary=followers,
        primaryjoin=(followers.c.follower_id == id),
        secondaryjoin=(followers.c.followed_id == id),
        back_populates="followers",
    )
    followers: so.WriteOnlyMapped[User] = so.relationship(
        secondary=followers,
        primaryjoin=(followers.c.followed_id == id),
        secondaryjoin=(followers.c.follower_id == id),
        back_populates="following",
    )

    def __repr__(self) -> str:
        return f"<User {self.username}>"

    @so.validates("email")
    def _normalize_email(self, _key: str, address: str) -> str:
        """Emails are stored trimmed and lowercased, so uniqueness ignores case."""
        return address.strip().lower()

    def set_password(self, password: str) -> None:
        """Store a salted werkzeug hash (scrypt), never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """Whether `password` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(str(self.password_hash), password)

    def avatar(self, size: int) -> str:
        """This user's avatar URL: the app's own SVG, or Gravatar when `AVATARS=gravatar`."""
        from app.avatars.urls import avatar_url  # here: app.avatars' route imports this module

        return avatar_url(self.username, self.email, size)

    def seen_now(self, now: datetime | None = None) -> bool:
        """Record a visit if the last one is older than a minute; True when a write is due."""
        now = now or utcnow()
        if not visit_is_due(self.last_seen, now):
            return False
        self.last_seen = now
        return True

    def follow(self, user: User) -> None:
        """Start following `user` (a no-op when already following)."""
        if not self.is_following(user):
            self.following.add(user)

    def unfollow(self, user: User) -> None:
        """Stop following `user` (a no-op when not following)."""
        if self.is_following(user):
            self.following.remove(user)

    def is_following(self, user: User) -> bool:
        """Whether this user follows `user`."""
        return follows(self.id, user.id)

    def followers_count(self) -> int:
        """How many users follow this one."""
        query = sa.select(sa.func.count()).select_from(self.followers.select().subquery())
        return int(db.session.scalar(query) or 0)

    def following_count(self) -> int:
        """How many users this one follows."""
        query = sa.select(sa.func.count()).select_from(self.following.select().subquery())
        return int(db.session.scalar(query) or 0)


# "Alice" and "alice" are one name, and the database enforces it, so a race cannot sneak one in.
sa.Index("ix_user_username_lower", sa.func.lower(User.username), unique=True)


class Post(db.Model):  # type: ignore[name-defined]  # db.Model: python/mypy#8603
    """One short message (at most 280 characters) by one user."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(POST_MAX))
    timestamp: so.Mapped[datetime] = so.mapped_column(
        sa.DateTime(timezone=True), index=True, default=utcnow
    )
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)

    author: so.Mapped[User] = so.relationship(back_populates="posts")

    def __repr__(self) -> str:
        return f"<Post {self.id}>"


def in_feed_of(user_id: int | sa.BindParameter[int]) -> sa.ColumnElement[bool]:
    """Posts by `user_id` or by anyone they follow: the home feed (an id or a bound parameter)."""
    followed_ids = sa.select(followers.c.followed_id).where(followers.c.follower_id == user_id)
    return sa.or_(Post.user_id == user_id, Post.user_id.in_(followed_ids))


def newest_first() -> tuple[sa.UnaryExpression[datetime], sa.UnaryExpression[int]]:
    """The one order of every post list; the id breaks ties between posts of the same instant."""
    return Post.timestamp.desc(), Post.id.desc()


def follows(follower_id: int, followed_id: int) -> bool:
    """Whether the first user follows the second."""
    query = sa.select(followers.c.follower_id).where(
        followers.c.follower_id == follower_id, followers.c.followed_id == followed_id
    )
    return db.session.scalar(query) is not None


def find_user(username: str) -> User | None:
    """The user with this name, ignoring letter case (names are unique that way)."""
    if "\x00" in username:  # no valid name has one, and PostgreSQL refuses it in a query
        return None
    query = sa.select(User).where(sa.func.lower(User.username) == username.lower())
    return db.session.scalar(query)


def find_user_by_email(email: str) -> User | None:
    """The user registered with this email (stored lowercased)."""
    if "\x00" in email:
        return None
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
