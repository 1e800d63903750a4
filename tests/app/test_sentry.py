"""Sentry through the real sentry-sdk: one event per error, tagged with the request's ID."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sentry_sdk
import structlog
from flask import Flask
from flask.testing import FlaskClient
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from app import create_app
from app.config import PROJECT_ROOT
from app.models import User
from observability.web.sentry import init_sentry
from tests.sentry_transport import TEST_DSN, MemoryTransport, stop_sentry

SECRET = "test-secret-key"  # the SECRET_KEY of the test configuration


@pytest.fixture
def sentry_off_afterwards() -> Iterator[None]:
    """Whatever a test started, later tests run with no Sentry client."""
    yield
    stop_sentry()


@pytest.fixture
def app(app: Flask, sentry_off_afterwards: None) -> Flask:
    """The app with routes that fail as app code does (registered before any request)."""

    def crash() -> str:
        raise RuntimeError(f"lost the key {SECRET}")

    def log_error() -> str:
        structlog.get_logger("app.checkout").error("checkout_failed", order_id=3)
        return "logged"

    def log_and_raise() -> str:
        try:
            return str(1 / 0)
        except ZeroDivisionError:
            logging.getLogger("app.checkout").exception("division_failed")
            raise

    app.add_url_rule("/test/crash", view_func=crash)
    app.add_url_rule("/test/log-error", view_func=log_error)
    app.add_url_rule("/test/log-and-raise", view_func=log_and_raise)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the real 500 handling, as in production
    return app


@pytest.fixture
def transport(app: Flask) -> MemoryTransport:
    """Sentry started as create_app starts it, with the network replaced by memory."""
    transport = MemoryTransport()
    assert init_sentry(TEST_DSN, app.extensions["observability"], transport=transport)
    return transport


def test_a_500_is_one_event_tagged_with_the_request_id(
    client: FlaskClient, transport: MemoryTransport, alice: User
) -> None:
    """The ID on the error page finds the Sentry event, which also names the user."""
    response = client.get("/test/crash", headers={"X-Upstream-Session": "abc-123-xyz"})
    assert response.status_code == 500
    [event] = transport.events
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert event["user"]["id"] == str(alice.id)
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "flask"


def test_our_redaction_applies_to_what_is_sent(
    client: FlaskClient, transport: MemoryTransport
) -> None:
    """A configured secret in a message and a session-like header never reach Sentry."""
    client.get("/test/crash", headers={"X-Upstream-Session": "abc-123-xyz",
                                       "Cookie": "session=s3cr3t-cookie"})
    [event] = transport.events
    sent = json.dumps(event)
    assert SECRET not in sent
    assert "abc-123-xyz" not in sent and "s3cr3t-cookie" not in sent
    assert "lost the key [REDACTED]" in event["exception"]["values"][-1]["value"]


def test_an_exception_logged_and_raised_is_one_event(
    client: FlaskClient, transport: MemoryTransport
) -> None:
    """The Flask and logging integrations both see the exception; Sentry gets it once."""
    response = client.get("/test/log-and-raise")
    assert response.status_code == 500
    [event] = transport.events
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert event["exception"]["values"][-1]["type"] == "ZeroDivisionError"


def test_a_structlog_error_in_a_request_is_one_event(
    client: FlaskClient, transport: MemoryTransport
) -> None:
    """An `error` event logged by app code inside a request reaches Sentry with the ID."""
    response = client.get("/test/log-error")
    assert response.status_code == 200
    [event] = transport.events
    assert event["tags"]["request_id"] == response.headers["X-Request-ID"]
    assert (event["logger"], event["level"]) == ("app.checkout", "error")
    assert "checkout_failed" in event["logentry"]["message"]


def test_info_events_and_good_requests_send_nothing(
    client: FlaskClient, transport: MemoryTransport
) -> None:
    """Only errors become events: a page view with its info lines sends none."""
    assert client.get("/login").status_code == 200
    assert transport.events == []


def test_create_app_starts_sentry_with_a_dsn(
    app_config: dict[str, Any], sentry_off_afterwards: None
) -> None:
    """With SENTRY_DSN, create_app starts the SDK with its Flask and logging integrations."""
    create_app({**app_config, "SENTRY_DSN": TEST_DSN})
    client = sentry_sdk.get_client()
    assert client.is_active()
    assert client.get_integration(FlaskIntegration) is not None
    assert client.get_integration(LoggingIntegration) is not None


def test_without_a_dsn_sentry_is_not_even_imported(tmp_path: Path) -> None:
    """A fresh interpreter that builds the app without SENTRY_DSN never imports sentry_sdk."""
    script = (
        "import sys\n"
        "from app import create_app\n"
        f"create_app({{'TESTING': True, 'SECRET_KEY': 'x', 'LOG_DIR': {str(tmp_path)!r},\n"
        f"            'INSTANCE_PATH': {str(tmp_path / 'instance')!r}, 'LOG_CONSOLE': False}})\n"
        "print(sorted(name for name in sys.modules if name.startswith('sentry_sdk')))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True,
                            text=True, check=False, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
