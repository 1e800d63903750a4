"""The duplicate-username race on PostgreSQL, with two real concurrent transactions.

On PostgreSQL the loser does not fail at once: its write waits on the unique index until the
winner's transaction ends. If the winner commits, the loser must get the form error (never a
500); if the winner rolls back, the loser's change simply goes through.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User

pytestmark = pytest.mark.postgres

TAKEN = "Please use a different username."
# A generous bound for "the app's write is now waiting on the lock"; normally milliseconds.
BLOCK_WAIT_S = 30.0


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """Connections of another worker: independent of the app's pool."""
    other = sa.create_engine(database_url)
    yield other
    other.dispose()


def _someone_waits_on_a_lock(engine: sa.Engine) -> bool:
    """Whether any transaction in the cluster is blocked waiting for a lock right now."""
    with engine.connect() as connection:
        return bool(connection.scalar(sa.text("SELECT count(*) FROM pg_locks WHERE NOT granted")))


@contextmanager
def _winner_ends_once_loser_waits(
    engine: sa.Engine, username: str, *, commit: bool
) -> Iterator[list[bool]]:
    """Insert `username` in an open transaction; end it (commit or roll back) once the app blocks.

    Yields a list that holds True if the app was seen waiting on the winner's row lock.
    """
    connection = engine.connect()
    transaction = connection.begin()
    connection.execute(User.__table__.insert().values(username=username,
                                                      email=f"{username.lower()}@example.org"))
    seen_waiting: list[bool] = []

    def finish_when_blocked() -> None:
        deadline = time.monotonic() + BLOCK_WAIT_S
        while time.monotonic() < deadline and not _someone_waits_on_a_lock(engine):
            time.sleep(0.02)
        seen_waiting.append(_someone_waits_on_a_lock(engine))
        if commit:
            transaction.commit()
        else:
            transaction.rollback()

    finisher = threading.Thread(target=finish_when_blocked)
    finisher.start()
    try:
        yield seen_waiting
    finally:
        finisher.join(timeout=BLOCK_WAIT_S + 10)
        connection.close()


def _usernames(app: Flask) -> list[str]:
    """Every username in the database, sorted, read fresh."""
    with app.app_context():
        return list(db.session.scalars(sa.select(User.username).order_by(User.username)))


RENAME = ("/edit_profile", {"username": "bob", "about_me": ""})
REGISTER = ("/register", {"username": "bob", "email": "bob@example.com",
                          "password": "long enough", "password2": "long enough"})


@pytest.mark.parametrize(("path", "form"), [RENAME, REGISTER], ids=["rename", "register"])
def test_loser_of_a_committed_race_gets_the_form_error(
    app: Flask, alice_client: FlaskClient, engine: sa.Engine, path: str, form: dict[str, Any]
) -> None:
    """The app's write waits for the winner; when it commits, the loser gets a form error."""
    client = alice_client if path == "/edit_profile" else app.test_client()
    with _winner_ends_once_loser_waits(engine, "BOB", commit=True) as seen_waiting:
        response = client.post(path, data=form)
    assert seen_waiting == [True], "the app never waited on the winner's row: no race happened"
    assert response.status_code == 200
    assert TAKEN in response.get_data(as_text=True)
    assert _usernames(app) == ["BOB", "alice"]


def test_loser_of_a_rolled_back_race_keeps_its_change(
    app: Flask, alice_client: FlaskClient, engine: sa.Engine
) -> None:
    """When the winner rolls back, the waiting rename goes through as if nothing happened."""
    with _winner_ends_once_loser_waits(engine, "bob", commit=False) as seen_waiting:
        response = alice_client.post("/edit_profile", data={"username": "bob", "about_me": ""})
    assert seen_waiting == [True]
    assert response.status_code == 302
    assert _usernames(app) == ["bob"]
