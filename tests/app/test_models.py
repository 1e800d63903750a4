"""The models on their own: passwords, avatars, follows, feeds, case-insensitive names."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import User, as_utc, find_user, find_user_by_email


@pytest.fixture
def ctx(app: Flask):  # type: ignore[no-untyped-def]
    """Run the test inside an app context with a clean session."""
    with app.app_context():
        yield
        db.session.rollback()


def _user(name: str) -> User:
    user = User(username=name, email=f"{name}@example.com")
    db.session.add(user)
    db.session.commit()
    return user


def test_password_is_hashed_with_werkzeug(ctx: None) -> None:
    """The stored hash is a salted scrypt string that verifies only the right password."""
    user = User(username="susan", email="susan@example.com")
    user.set_password("cat-and-mouse")
    assert user.password_hash is not None
    assert user.password_hash.startswith("scrypt:")
    assert "cat-and-mouse" not in user.password_hash
    assert user.check_password("cat-and-mouse")
    assert not user.check_password("dog")


def test_user_without_password_cannot_log_in(ctx: None) -> None:
    """A row with no hash never matches, not even an empty password."""
    assert not User(username="x", email="x@example.com").check_password("")


def test_avatar_is_the_apps_own_svg_by_default(app: Flask) -> None:
    """By default the avatar URL is the app's own SVG for the username, no other host."""
    with app.test_request_context():
        assert User(username="john", email="John@Example.com").avatar(128) == "/avatar/john.svg"


def test_avatar_is_gravatar_sha256_of_trimmed_lowercased_email(app: Flask) -> None:
    """With AVATARS=gravatar the URL is Gravatar's SHA-256 of the trimmed, lowercased email."""
    app.config["AVATARS"] = "gravatar"
    with app.test_request_context():
        url = User(username="john", email=" John@Example.com ").avatar(128)
    assert url == (
        "https://www.gravatar.com/avatar/"
        "855f96e983f1f8e8be944692b6f719fd54329826cb62e98015efee8e2e071dd4?d=identicon&s=128"
    )


def test_follow_and_unfollow(ctx: None) -> None:
    """Following is one-way, idempotent, and counted on both sides."""
    john, susan = _user("john"), _user("susan")
    john.follow(susan)
    john.follow(susan)
    db.session.commit()
    assert john.is_following(susan)
    assert not susan.is_following(john)
    assert (john.following_count(), john.followers_count()) == (1, 0)
    assert (susan.following_count(), susan.followers_count()) == (0, 1)
    john.unfollow(susan)
    john.unfollow(susan)
    db.session.commit()
    assert not john.is_following(susan)
    assert susan.followers_count() == 0


def test_usernames_are_unique_ignoring_case_in_the_database(ctx: None) -> None:
    """The unique index on lower(username) rejects "Alice" next to "alice" at commit."""
    _user("alice")
    db.session.add(User(username="Alice", email="other@example.com"))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_find_user_ignores_case_and_email_is_exact(ctx: None) -> None:
    """Lookups by name fold case; lookups by email use the stored lowercase form."""
    alice = _user("Alice")
    assert find_user("aLiCe") == alice
    assert find_user("bob") is None
    assert alice.email == "alice@example.com"
    assert find_user_by_email(" ALICE@example.com ") == alice


def test_times_come_back_as_utc(ctx: None) -> None:
    """SQLite returns naive datetimes; as_utc reads them as UTC and converts aware ones."""
    user = _user("tim")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(User.last_seen).where(User.id == user.id))
    assert stored is not None
    assert as_utc(stored).tzinfo is UTC
    plus_two = datetime(2024, 1, 1, 16, 0, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus_two) == datetime(2024, 1, 1, 14, 0, tzinfo=UTC)
    assert as_utc(plus_two).hour == 14


def test_seen_now_writes_at_most_once_a_minute(ctx: None) -> None:
    """seen_now asks for a write only when the stored visit is at least a minute old."""
    user = User(username="lia", email="lia@example.com")
    base = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    user.last_seen = base.replace(tzinfo=None)  # as SQLite hands it back
    assert not user.seen_now(base + timedelta(seconds=59))
    assert user.last_seen == base.replace(tzinfo=None)
    assert user.seen_now(base + timedelta(seconds=60))
    assert user.last_seen == base + timedelta(seconds=60)
    user.last_seen = None
    assert user.seen_now(base)
