"""Our events take stdlib logging's own path: Logger.callHandlers and root handlers.

That Sentry's logging integration sees them too is proven in tests/app/test_sentry.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.apps import built_app


class KeepingHandler(logging.Handler):
    """A plain stdlib handler, as any library or operator would add to the root logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _event_name(record: logging.LogRecord) -> object:
    """The structlog event a record carries (its message is the processed event dict)."""
    return record.msg.get("event") if isinstance(record.msg, dict) else record.getMessage()


@pytest.fixture
def failing_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app with the real 500 path and a route that crashes."""
    with built_app({**app_config, "PROPAGATE_EXCEPTIONS": False}) as app:

        def crash() -> str:
            raise RuntimeError("the view failed")

        app.add_url_rule("/crash", "crash", crash)
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



def test_a_plain_root_handler_sees_one_error_record_per_500(failing_app: Flask) -> None:
    """Each 500 gives the root logger one error record, `unhandled_exception`, not Flask's too."""
    handler = KeepingHandler()
    logging.getLogger().addHandler(handler)
    try:
        statuses = [failing_app.test_client().get("/crash").status_code for _ in range(2)]
    finally:
        logging.getLogger().removeHandler(handler)
    assert statuses == [500, 500]
    errors = [r for r in handler.records if r.levelno >= logging.ERROR]
    assert [_event_name(r) for r in errors] == ["unhandled_exception", "unhandled_exception"]
    assert len({r.msg["request_id"] for r in errors}) == 2
