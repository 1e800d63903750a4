"""The Sentry wiring without an app: the before_send tagger, and what a missing or bad DSN does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from observability.config_files import ConfigError
from observability.pipeline.redaction import REDACTED, Redactor
from observability.settings import ObservabilitySettings
from observability.web.sentry import RequestTagger, init_sentry
from tests.sentry_transport import stop_sentry


def _settings() -> ObservabilitySettings:
    return ObservabilitySettings(log_dir=Path("logs"), state_dir=Path("."),
                                 secret_values=("hunter2-secret",))


def _event() -> dict[str, Any]:
    return {
        "level": "error",
        "tags": {"handled": "no"},
        "exception": {"values": [{"type": "KeyError", "value": "'hunter2-secret'"}]},
        "request": {"headers": {"Authorization": "Bearer abc", "Accept": "text/html"}},
    }


def test_the_request_id_and_user_come_from_the_context() -> None:
    """Inside a request the event gets the `request_id` tag and `user.id`; other tags stay."""
    tagger = RequestTagger(lambda: {"request_id": "KYW3V-DCSAB-41R3W", "user_id": 7}, Redactor())
    event = tagger(_event(), {})
    assert event["tags"] == {"handled": "no", "request_id": "KYW3V-DCSAB-41R3W"}
    assert event["user"] == {"id": "7"}


def test_outside_a_request_nothing_is_added() -> None:
    """With an empty context (a CLI command, a thread) the event is sent as the SDK built it."""
    event = RequestTagger(dict, Redactor())(_event(), {})
    assert event["tags"] == {"handled": "no"}
    assert "user" not in event


def test_an_anonymous_request_has_no_user() -> None:
    """A request with no one signed in is tagged, but names no user."""
    event = RequestTagger(lambda: {"request_id": "R1", "user_id": None}, Redactor())(_event(), {})
    assert event["tags"]["request_id"] == "R1"
    assert "user" not in event


def test_the_log_redaction_applies() -> None:
    """Configured secrets and sensitive keys are redacted as in the log file."""
    tagger = RequestTagger(dict, Redactor(["hunter2-secret"]))
    event = tagger(_event(), {})
    assert event["exception"]["values"][0]["value"] == f"'{REDACTED}'"
    assert event["request"]["headers"] == {"Authorization": REDACTED, "Accept": "text/html"}


def test_no_dsn_starts_nothing() -> None:
    """An empty or missing SENTRY_DSN leaves Sentry off."""
    assert init_sentry("", _settings()) is False
    assert init_sentry(None, _settings()) is False


@pytest.fixture
def sentry_off_afterwards() -> Iterator[None]:
    """Later tests run with no Sentry client."""
    yield
    stop_sentry()


def test_a_bad_dsn_is_a_clear_configuration_error(sentry_off_afterwards: None) -> None:
    """A DSN the SDK cannot parse names the setting instead of failing somewhere deep."""
    with pytest.raises(ConfigError, match="SENTRY_DSN is not a Sentry DSN"):
        init_sentry("ftp://nobody@example.org/1", _settings())
