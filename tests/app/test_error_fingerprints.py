"""Fingerprints of real outages: one group per view, even when both fail in one shared helper."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from app.extensions import db
from app.models import User
from observability.fingerprint import error_signature
from tests.observability.log_reading import events_named


def test_explore_and_profile_outages_are_two_groups(app: Flask, client: FlaskClient,
                                                     alice: User) -> None:
    """With the post table gone, /explore and /user/<name> fail in app/main/feed.py: two groups."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # let the real 500 handler log under TESTING
    with app.app_context():
        db.session.execute(sa.text("ALTER TABLE post RENAME TO post_gone"))
        db.session.commit()
    for page in ("/explore", "/explore?page=2", "/user/alice"):
        assert client.get(page).status_code == 500

    crashes = events_named(Path(app.config["LOG_DIR"]) / "microblog.log", "unhandled_exception")
    assert [event["path"] for event in crashes] == ["/explore", "/explore", "/user/alice"]
    explore, explore_again, profile = (event["fingerprint"] for event in crashes)
    assert explore == explore_again
    assert explore != profile
    places = [error_signature(event)[1] for event in (crashes[0], crashes[2])]
    assert all(place.endswith("app.main.feed:_fetch") for place in places)  # the shared helper
    assert places[0].startswith("app.main.routes:explore >")
    assert places[1].startswith("app.main.routes:user >")
