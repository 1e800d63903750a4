"""Error emails from the real app: a 500 mails the admins, quoting the page's and the log's ID."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from flask import Flask, current_app, request
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from observability.mail.handler import ErrorEmailHandler
from tests.apps import create_schema
from tests.smtp_server import SMTPServer, TrustedCA

SECRET_KEY = "app-secret-never-mailed-7f3a"
POSTED_PASSWORD = "posted-password-never-mailed"

MakeClient = Callable[..., FlaskClient]


def _fail() -> str:
    """A view that fails the way real code does: an exception deep in our own code."""
    if request.method == "POST":
        raise ValueError(f"could not use key {current_app.config['SECRET_KEY']}")
    raise ZeroDivisionError("division by zero")


@pytest.fixture
def mail_client(tmp_path: Path, app_config: dict[str, Any]) -> Iterator[MakeClient]:
    """Build an app whose error emails go to the given port, with a route that always fails."""
    apps: list[Flask] = []

    def _make(port: int, **extra: Any) -> FlaskClient:
        app_config.update(
            PROPAGATE_EXCEPTIONS=False,  # under TESTING, Flask would re-raise instead of a 500
            SECRET_KEY=SECRET_KEY,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port,
            ADMINS=["ops@example.org"],
            STATE_DIR=str(tmp_path / "state"),  # this test's own throttle state
            **extra,
        )
        app = create_app(app_config)
        app.add_url_rule("/test-failure", "test_failure", _fail, methods=["GET", "POST"])
        with app.app_context():
            create_schema()
        apps.append(app)
        return app.test_client()

    yield _make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def email_handler() -> ErrorEmailHandler:
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h, ErrorEmailHandler)]
    return handler


def log_events(app_config: dict[str, Any]) -> list[dict[str, Any]]:
    path = Path(app_config["LOG_DIR"]) / "microblog.log"
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def test_a_500_sends_one_email_with_the_pages_id(
    mail_client: MakeClient, smtp_server: SMTPServer, app_config: dict[str, Any]
) -> None:
    """The subject and body quote the same ID as the page, the header and the log line."""
    client = mail_client(smtp_server.port)
    response = client.get("/test-failure", headers={"User-Agent": "ProbeBrowser/2.0"})
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert request_id in response.get_data(as_text=True)
    [received] = smtp_server.wait_for(1)
    subject = received.message["Subject"]
    assert subject == f"[Microblog] ZeroDivisionError on GET /test-failure (request {request_id})"
    body = received.message.get_content()
    assert f"jq -c 'select(.request_id==\"{request_id}\")'" in body
    assert "ZeroDivisionError: division by zero" in body
    assert "ProbeBrowser/2.0" in body
    [logged] = [e for e in log_events(app_config) if e["event"] == "unhandled_exception"]
    assert logged["request_id"] == request_id
    assert logged["fingerprint"] in body
    assert email_handler().wait_until_idle()
    assert len(smtp_server.messages()) == 1


def test_client_errors_send_no_email(
    mail_client: MakeClient, smtp_server: SMTPServer
) -> None:
    """404s and form errors are not errors of ours: the only email is the later 500's."""
    client = mail_client(smtp_server.port)
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/user/nobody-at-all").status_code in {302, 404}
    form = client.post("/register", data={"username": "", "email": "not-an-email",
                                          "password": "x", "password2": "y"})
    assert form.status_code == 200
    failure_id = client.get("/test-failure").headers["X-Request-ID"]
    assert email_handler().wait_until_idle()
    [received] = smtp_server.wait_for(1)
    assert failure_id in received.message["Subject"]


def test_secrets_and_posted_passwords_are_not_emailed(
    mail_client: MakeClient, smtp_server: SMTPServer
) -> None:
    """A password posted to the failing request and SECRET_KEY in its exception stay out."""
    client = mail_client(smtp_server.port)
    response = client.post("/test-failure", data={"username": "bob",
                                                  "password": POSTED_PASSWORD})
    assert response.status_code == 500
    [received] = smtp_server.wait_for(1)
    raw = received.message.as_string()
    assert "ValueError: could not use key [REDACTED]" in received.message.get_content()
    assert "password, username  (values not included)" in received.message.get_content()
    assert SECRET_KEY not in raw
    assert POSTED_PASSWORD not in raw


def test_dead_mail_server_leaves_the_app_serving(
    mail_client: MakeClient, closed_port: int, app_config: dict[str, Any]
) -> None:
    """With nothing listening, errors still get their page, and the failure is logged."""
    client = mail_client(closed_port)
    for _ in range(3):
        assert client.get("/test-failure").status_code == 500
    assert client.get("/healthz").status_code == 200
    assert email_handler().wait_until_idle()
    failures = [e for e in log_events(app_config) if e["event"] == "error_email_failed"]
    assert len(failures) == 1  # later failures within the minute are counted, not logged
    assert failures[0]["level"] == "warning"
    assert "ConnectionRefusedError" in failures[0]["reason"]


def test_slow_mail_server_does_not_slow_error_responses(
    mail_client: MakeClient, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """With the server taking 4 s per message, error pages still come back at once."""
    slow = start_smtp_server(delay=4.0)
    client = mail_client(slow.port, ERROR_EMAIL_THROTTLE_SECONDS=0)
    client.get("/healthz")  # warm up: templates, first connection to the database
    started = time.monotonic()
    for _ in range(3):
        assert client.get("/test-failure").status_code == 500
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"3 error responses took {elapsed:.2f} s with a 4 s mail server"
    assert len(slow.wait_for(1, timeout=15)) >= 1  # and the email does arrive, later


def test_error_email_over_starttls(
    mail_client: MakeClient, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """MAIL_USE_TLS: the app's error email arrives over a verified STARTTLS connection."""
    server = start_smtp_server(server_context=tls_ca.server_context)
    client = mail_client(server.port, MAIL_USE_TLS=True)
    assert client.get("/test-failure").status_code == 500
    [received] = server.wait_for(1)
    assert received.tls


def test_error_email_over_implicit_tls(
    mail_client: MakeClient, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """MAIL_USE_SSL: the app's error email arrives over TLS from the first byte."""
    server = start_smtp_server(server_context=tls_ca.server_context, implicit_tls=True)
    client = mail_client(server.port, MAIL_USE_SSL=True)
    assert client.get("/test-failure").status_code == 500
    [received] = server.wait_for(1)
    assert received.tls


def test_debug_mode_sends_no_email(
    mail_client: MakeClient, smtp_server: SMTPServer
) -> None:
    """FLASK_DEBUG turns error emails off entirely: no handler is installed."""
    mail_client(smtp_server.port, FLASK_DEBUG=True)
    assert not [h for h in logging.getLogger().handlers if isinstance(h, ErrorEmailHandler)]
