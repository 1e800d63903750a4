"""Flask's signed-cookie sessions: shared by every worker that holds the key, void without it."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app.models import User
from tests.apps import built_app


def test_a_session_survives_on_another_worker_with_the_shared_key(
    app_config: dict[str, Any], client: FlaskClient, alice: User
) -> None:
    """A second app on the same database and SECRET_KEY (another worker) honours the cookie."""
    name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    with built_app(app_config) as other_worker:
        other = other_worker.test_client()
        other.set_cookie(name, cookie.value)
        assert other.get("/index").status_code == 200


def test_a_new_secret_key_signs_everyone_out(app: Flask, client: FlaskClient,
                                             alice: User) -> None:
    """A cookie signed with a key the app no longer has is not a session (nothing stale kept)."""
    assert client.get("/index").status_code == 200
    app.config["SECRET_KEY"] = "a-brand-new-key"
    assert client.get("/index").status_code == 302

