"""`last_seen` is written at most once a minute per user, not on every request."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User, as_utc
from tests.app.helpers import statements_sent


def _user_updates(app: Flask) -> AbstractContextManager[list[str]]:
    """Collect the UPDATE statements on the user table."""
    return statements_sent(app, lambda sql: sql.upper().startswith("UPDATE USER"))


def _set_last_seen(app: Flask, user_id: int, moment: datetime) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(last_seen=moment))
        db.session.commit()


def _last_seen(app: Flask, user_id: int) -> datetime:
    with app.app_context():
        value = db.session.scalar(sa.select(User.last_seen).where(User.id == user_id))
    assert value is not None
    return as_utc(value)


def test_a_recent_visit_is_not_written_again(app: Flask, client: FlaskClient, alice: User) -> None:
    """Within a minute of the stored visit, requests write nothing to the user row."""
    recent = datetime.now(UTC) - timedelta(seconds=5)
    _set_last_seen(app, alice.id, recent)
    with _user_updates(app) as updates:
        for path in ("/index", "/explore", "/user/alice", "/index"):
            assert client.get(path).status_code == 200
    assert updates == []
    assert _last_seen(app, alice.id) == recent


def test_an_old_visit_is_refreshed_once(app: Flask, client: FlaskClient, alice: User) -> None:
    """When the stored visit is older than a minute, the next request writes it, once."""
    old = datetime.now(UTC) - timedelta(minutes=10)
    _set_last_seen(app, alice.id, old)
    before = datetime.now(UTC)
    with _user_updates(app) as updates:
        client.get("/index")
        client.get("/explore")
    assert len(updates) == 1
    assert _last_seen(app, alice.id) >= before - timedelta(seconds=1)


def test_anonymous_and_static_requests_do_not_touch_users(app: Flask, client: FlaskClient,
                                                         alice: User) -> None:
    """Static files and the health check never load or write the user."""
    _set_last_seen(app, alice.id, datetime.now(UTC) - timedelta(minutes=10))
    with _user_updates(app) as updates:
        with client.get("/static/css/microblog.css") as static:  # closes the file it streams
            assert static.status_code == 200
        assert client.get("/healthz").status_code == 200
    assert updates == []


def test_profile_shows_last_seen_in_utc(app: Flask, client: FlaskClient, alice: User) -> None:
    """The profile page prints the stored time with an explicit UTC zone."""
    # Alice's own request would refresh her time, so look at bob, who is not visiting.
    with app.app_context():
        db.session.add(User(username="bob", email="bob@example.com",
                            last_seen=datetime(2024, 5, 1, 12, 30, 45, tzinfo=UTC)))
        db.session.commit()
    page = client.get("/user/bob").get_data(as_text=True)
    assert '<time datetime="2024-05-01T12:30:45Z">2024-05-01 12:30 UTC</time>' in page
