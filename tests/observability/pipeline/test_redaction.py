"""The one redaction policy: sensitive keys and configured secret values never reach a sink."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from observability.pipeline.exceptions import structured_exception
from observability.pipeline.redaction import REDACTED, Redactor, is_sensitive_key

SECRET_KEY = "s3cr3t-k3y-value"
MAIL_PASSWORD = "mail-pa55"


@pytest.fixture
def redact() -> Redactor:
    """A redactor configured with the app's two secret values."""
    return Redactor([SECRET_KEY, MAIL_PASSWORD])


@pytest.mark.parametrize(
    "key",
    ["password", "Password2", "MAIL_PASSWORD", "passwd", "client_secret", "csrf_token",
     "access_token", "session", "X-Session-Id", "Cookie", "set_cookie", "Authorization",
     "api_key", "API-KEY", "apikey", "private_key", "privateKey"],
)
def test_sensitive_keys(key: str) -> None:
    """Every listed word is caught in any case and anywhere in the key."""
    assert is_sensitive_key(key)


@pytest.mark.parametrize("key", ["username", "event", "request_id", "user_id", "path", "email",
                                 "exception", "keyboard"])
def test_ordinary_keys(key: str) -> None:
    """Everyday field names are left alone."""
    assert not is_sensitive_key(key)


def test_sensitive_keys_are_redacted_at_any_depth(redact: Redactor) -> None:
    """Dicts inside lists inside dicts are walked; only the sensitive values change."""
    event = {
        "event": "login_failed",
        "password": "hunter2",
        "form": {"username": "alice", "password": "hunter2", "extra": [{"csrf_token": "t"}]},
    }
    assert redact(None, "info", event) == {
        "event": "login_failed",
        "password": REDACTED,
        "form": {"username": "alice", "password": REDACTED, "extra": [{"csrf_token": REDACTED}]},
    }


def test_header_pairs_are_redacted_like_keys(redact: Redactor) -> None:
    """A list of (name, value) pairs, as WSGI headers come, redacts by name."""
    event = {"headers": [("Authorization", "Bearer abc"), ("Accept", "text/html")]}
    assert redact(None, "info", event)["headers"] == [
        ["Authorization", REDACTED], ["Accept", "text/html"]
    ]


def test_secret_values_are_scrubbed_from_every_string(redact: Redactor) -> None:
    """SECRET_KEY and MAIL_PASSWORD vanish from messages, nested values and keys alike."""
    event = {
        "event": f"connecting with {MAIL_PASSWORD}",
        "detail": {"note": [f"key={SECRET_KEY};"]},
        f"x{SECRET_KEY}": 1,
    }
    redacted = redact(None, "info", event)
    assert redacted == {
        "event": f"connecting with {REDACTED}",
        "detail": {"note": [f"key={REDACTED};"]},
        f"x{REDACTED}": 1,
    }


def test_secrets_inside_structured_exceptions_are_scrubbed(redact: Redactor) -> None:
    """An exception message (and its cause's) carrying a secret is scrubbed."""
    try:
        try:
            raise KeyError(MAIL_PASSWORD)
        except KeyError as inner:
            raise RuntimeError(f"login with {SECRET_KEY} failed") from inner
    except RuntimeError as error:
        event = {"event": "unhandled_exception", "exception": structured_exception(error)}
    text = repr(redact(None, "error", event))
    assert SECRET_KEY not in text and MAIL_PASSWORD not in text
    assert f"login with {REDACTED} failed" in text


def test_a_secret_containing_another_is_replaced_whole() -> None:
    """Longer secrets are replaced first, so no tail of one survives."""
    redact = Redactor(["abcd", "abcdefgh"])
    assert redact(None, "info", {"event": "xabcdefghx"})["event"] == f"x{REDACTED}x"


def test_very_short_secrets_are_not_scrubbed() -> None:
    """A 1-3 character "secret" would erase letters from every word; it is left alone."""
    redact = Redactor(["x", "ab", "abc"])
    assert redact(None, "info", {"event": "alembic.ext abc"})["event"] == "alembic.ext abc"


def test_other_objects_become_scrubbed_text(redact: Redactor) -> None:
    """Objects JSON cannot hold are turned into text here, where secrets can still be scrubbed."""

    class Settings:
        def __str__(self) -> str:
            return f"Settings(mail_password={MAIL_PASSWORD!r})"

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    redacted = redact(None, "info", {"settings": Settings(), "bad": Broken(), "n": 1.5,
                                     "tags": {"a"}})
    assert redacted["settings"] == f"Settings(mail_password='{REDACTED}')"
    assert redacted["bad"] == "<unprintable Broken: RuntimeError>"
    assert redacted["n"] == 1.5
    assert redacted["tags"] == ["a"]


def test_the_callers_data_is_not_mutated(redact: Redactor) -> None:
    """Nested containers passed by the caller are copied, not redacted in place."""
    form = {"password": "hunter2", "items": [{"token": "t"}]}
    redact(None, "info", {"form": form})
    assert form == {"password": "hunter2", "items": [{"token": "t"}]}


def test_the_log_record_passes_untouched(redact: Redactor) -> None:
    """ProcessorFormatter's `_record` bookkeeping is not turned into text."""
    record = logging.makeLogRecord({"msg": "x"})
    event: dict[str, Any] = {"_record": record, "_from_structlog": False, "event": "x"}
    assert redact(None, "info", event)["_record"] is record


def test_without_secrets_strings_pass_unchanged() -> None:
    """With no secret values configured, only sensitive keys are redacted."""
    redact = Redactor([""])
    assert redact(None, "info", {"event": "e", "token": "t"}) == {"event": "e", "token": REDACTED}


def test_remembered_key_verdicts_still_check_every_events_values(redact: Redactor) -> None:
    """The second event with the same keys is redacted as fully as the first."""
    for _ in range(2):
        event = redact(None, "info", {"note": f"k={SECRET_KEY}", "token": "t", "n": None,
                                      f"by_{MAIL_PASSWORD}": 1, "tags": ("a",)})
        assert event == {"note": f"k={REDACTED}", "token": REDACTED, "n": None,
                         f"by_{REDACTED}": 1, "tags": ["a"]}
