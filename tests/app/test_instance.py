"""The instance folder: a generated secret key shared by every app, and the request size limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app import create_app
from tests.apps import built_app


def _app_without_secret(app_config: dict[str, Any]) -> Any:
    config = {key: value for key, value in app_config.items() if key != "SECRET_KEY"}
    return create_app(config)


def test_two_apps_share_the_generated_secret_key(
    app_config: dict[str, Any], tmp_path: Path
) -> None:
    """Two app instances on one instance folder (two gunicorn workers) get one persisted key."""
    first = _app_without_secret(app_config)
    second = _app_without_secret(app_config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "instance" / "secret_key").read_text().strip() == first.config["SECRET_KEY"]


def test_a_session_from_one_worker_is_valid_in_another(app_config: dict[str, Any]) -> None:
    """A user logged in through one app instance stays logged in on the other."""
    shared = {key: value for key, value in app_config.items() if key != "SECRET_KEY"}
    with built_app(shared) as first, built_app(shared) as second:
        browser = first.test_client()
        browser.post(
            "/register",
            data={"username": "worker", "email": "w@example.com", "password": "pw-123456",
                  "password2": "pw-123456"},
        )
        login = browser.post("/login", data={"username": "worker", "password": "pw-123456"})
        assert login.status_code == 302
        other = second.test_client()
        other.set_cookie("session", browser.get_cookie("session").value)
        response = other.get("/index")
        assert response.status_code == 200
        assert b"worker" in response.data


def test_default_request_size_limit_is_one_mebibyte(app_config: dict[str, Any]) -> None:
    """config.yaml's MAX_CONTENT_LENGTH turns an oversized body into the 413 page."""
    application = create_app(app_config)
    assert application.config["MAX_CONTENT_LENGTH"] == 1024 * 1024
    response = application.test_client().post("/login", data={"username": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413
