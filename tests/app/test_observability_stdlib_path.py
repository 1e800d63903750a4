"""Our events take stdlib logging's own path: Logger.callHandlers, root handlers, Sentry's hook."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sentry_sdk
import structlog
from flask import Flask
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import Transport

from tests.apps import built_app


class KeepingHandler(logging.Handler):
    """A plain stdlib handler, as any library or operator would add to the root logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class EnvelopeList(Transport):
    """A Sentry transport that keeps envelopes in memory instead of sending them."""

    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__(options)
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def events(self) -> list[dict[str, Any]]:
        """The error events among the kept envelopes."""
        return [item.payload.json for envelope in self.envelopes for item in envelope.items
                if item.type == "event" and item.payload.json is not None]


def _event_name(record: logging.LogRecord) -> object:
    """The structlog event a record carries (its message is the processed event dict)."""
    return record.msg.get("event") if isinstance(record.msg, dict) else record.getMessage()


@pytest.fixture
def failing_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app with the real 500 path and a route that crashes and one that logs an error."""
    with built_app({**app_config, "PROPAGATE_EXCEPTIONS": False}) as app:

        def crash() -> str:
            raise RuntimeError("the view failed")

        def declined() -> str:
            structlog.get_logger("app.payments").error("payment_declined", order=7)
            return "declined"

        app.add_url_rule("/crash", "crash", crash)
        app.add_url_rule("/declined", "declined", declined)
        yield app


def test_request_events_pass_call_handlers_and_a_plain_root_handler(
    failing_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 500's request_finished and unhandled_exception reach callHandlers and a root handler."""
    through_call_handlers: list[logging.LogRecord] = []
    original = logging.Logger.callHandlers

    def watching(self: logging.Logger, record: logging.LogRecord) -> None:
        through_call_handlers.append(record)
        original(self, record)

    monkeypatch.setattr(logging.Logger, "callHandlers", watching)
    handler = KeepingHandler()
    logging.getLogger().addHandler(handler)
    try:
        response = failing_app.test_client().get("/crash")
    finally:
        logging.getLogger().removeHandler(handler)
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    for records in (through_call_handlers, handler.records):
        ours = {_event_name(r): r for r in records
                if isinstance(r.msg, dict) and r.msg.get("request_id") == request_id}
        assert {"request_finished", "unhandled_exception"} <= set(ours)
        assert ours["unhandled_exception"].levelno == logging.ERROR
        assert ours["unhandled_exception"].msg["exception"][0]["exc_type"] == "RuntimeError"
        assert ours["request_finished"].msg["status"] == 500


def test_a_structlog_error_event_becomes_a_sentry_event(failing_app: Flask) -> None:
    """With sentry-sdk's Flask and logging integrations, our `error` event is a Sentry event."""
    transport = EnvelopeList()
    sentry_sdk.init(
        dsn="https://public@sentry.invalid/1",
        transport=transport,
        integrations=[FlaskIntegration(),
                      LoggingIntegration(level=logging.INFO, event_level=logging.ERROR)],
        default_integrations=False,
    )
    try:
        response = failing_app.test_client().get("/declined")
        sentry_sdk.flush()
    finally:  # later tests run without a Sentry client
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
    assert response.status_code == 200
    (event,) = [e for e in transport.events() if e.get("logger") == "app.payments"]
    assert event["level"] == "error"
    assert "payment_declined" in event["logentry"]["message"]
    assert response.headers["X-Request-ID"] in event["logentry"]["message"]
