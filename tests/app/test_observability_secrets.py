"""Secrets never reach the log file: posted passwords, SECRET_KEY, MAIL_PASSWORD, cookies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import structlog
from flask import Flask, request

from tests.observability.log_reading import events_named, read_log

SECRET_KEY = "sk-live-Zq8v4mW2"
MAIL_PASSWORD = "mail-pw-Kx71Lq"
POSTED_PASSWORD = "posted-pw-Hb55Tt"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """Known secrets in the configuration, and the real 500 path."""
    return {**app_config, "SECRET_KEY": SECRET_KEY, "MAIL_PASSWORD": MAIL_PASSWORD,
            "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def leaky_app(app: Flask) -> Flask:
    """Routes that do what careless code does: log request data, fail with secrets in messages."""

    def leak_in_exception() -> str:
        try:
            raise ConnectionError(f"SMTP login refused for password {MAIL_PASSWORD}")
        except ConnectionError as error:
            raise RuntimeError(f"signing with {SECRET_KEY} failed") from error

    def leak_in_fields() -> str:
        structlog.get_logger("app.careless").info(
            "form_received",
            form=request.form.to_dict(),
            headers=list(request.headers.items()),
            cookies=request.cookies.to_dict(),
        )
        return "ok"

    app.add_url_rule("/leak-exception", "leak_exception", leak_in_exception)
    app.add_url_rule("/leak-fields", "leak_fields", leak_in_fields, methods=["POST"])
    return app


@pytest.fixture
def log_file(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


def _assert_no_secrets(log_file: Path) -> None:
    text = log_file.read_text(encoding="utf-8")
    for secret in (SECRET_KEY, MAIL_PASSWORD, POSTED_PASSWORD):
        assert secret not in text


def test_secrets_in_exception_messages_are_scrubbed(leaky_app: Flask, log_file: Path) -> None:
    """SECRET_KEY and MAIL_PASSWORD in an exception and its cause never reach the file."""
    response = leaky_app.test_client().get("/leak-exception")
    assert response.status_code == 500
    _assert_no_secrets(log_file)
    (crash,) = events_named(log_file, "unhandled_exception")
    assert crash["exception"][0]["exc_value"] == "signing with [REDACTED] failed"
    assert crash["exception"][1]["exc_value"] == "SMTP login refused for password [REDACTED]"


def test_logged_forms_headers_and_cookies_are_redacted(leaky_app: Flask, log_file: Path) -> None:
    """Passwords, CSRF tokens, Authorization and cookies logged wholesale come out redacted."""
    client = leaky_app.test_client()
    client.set_cookie("session", "cookie-value-Pp09")
    client.post(
        "/leak-fields",
        data={"username": "alice", "password": POSTED_PASSWORD, "csrf_token": "csrf-Ee31"},
        headers={"Authorization": "Bearer bearer-Uu42"},
    )
    text = log_file.read_text()
    for leaked in (POSTED_PASSWORD, "csrf-Ee31", "bearer-Uu42", "cookie-value-Pp09"):
        assert leaked not in text
    (event,) = events_named(log_file, "form_received")
    assert event["form"] == {"username": "alice", "password": "[REDACTED]",
                             "csrf_token": "[REDACTED]"}
    assert ["Authorization", "[REDACTED]"] in event["headers"]
    assert event["cookies"] == "[REDACTED]"  # the key itself says "cookie"


def test_failed_login_logs_no_password(app: Flask, log_file: Path, make_user: Any) -> None:
    """Posting a wrong password through the real login form leaves no trace of it."""
    make_user("alice")
    app.test_client().post("/login", data={"username": "alice", "password": POSTED_PASSWORD})
    _assert_no_secrets(log_file)
    assert read_log(log_file), "the login request was logged"


def test_registration_logs_no_password(app: Flask, log_file: Path) -> None:
    """Registering through the real form leaves neither password field in the log."""
    app.test_client().post("/register", data={
        "username": "dave", "email": "dave@example.com",
        "password": POSTED_PASSWORD, "password2": POSTED_PASSWORD,
    })
    _assert_no_secrets(log_file)
    assert events_named(log_file, "request_finished")
