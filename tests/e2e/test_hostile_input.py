"""Hostile input cannot forge log lines: newlines and JSON fragments in names, texts and headers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User
from tests.observability.log_reading import read_log

pytestmark = pytest.mark.slow

PASSWORD = "correct horse battery"

# Each fits the login form's 64 characters, so the app logs it (login_failed) rather than
# rejecting it before logging.
HOSTILE = {
    "newline + json": 'x\n{"level":"critical","event":"forged","forged":1}',
    "close + reopen": 'x","level":"critical","forged":"1',
    "crlf + ansi + nul": "x\r\n\x1b[31mred\x1b[0m\x00nul",
    "unicode separators": "x\u2028line\u2029para\x85nel",
    "escapes": 'x\\"}{\\n\\u0000',
    "lone brace": "}\n{",
}

# The fields our events may carry: anything else in a line would be a forged field.
KNOWN_FIELDS = {
    "timestamp", "level", "event", "logger", "request_id", "user_id", "trace_id", "span_id",
    "exception", "fingerprint", "pid", "version", "method", "path", "status", "duration_ms",
    "remote_addr", "username", "old_username", "new_user_id", "during", "race", "post_id",
    "length", "followed_username", "followed_user_id", "error_type", "service", "host",
    "endpoint", "db_queries", "db_ms", "slow", "breadcrumbs",  # issue 14: the request's story
    "username_known",
}


@pytest.fixture
def alice_client(app: Flask, client: FlaskClient) -> FlaskClient:
    """`client`, logged in as alice through the real login form."""
    with app.app_context():
        db.session.add(User(username="alice", email="alice@example.com",
                            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")))
        db.session.commit()
    assert client.post("/login", data={"username": "alice", "password": PASSWORD}
                       ).status_code == 302
    return client


@pytest.fixture
def log_file(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


def _assert_every_line_is_one_honest_event(log_file: Path) -> list[dict[str, object]]:
    """Each line parses alone as an object with only known fields; nothing claims to be forged."""
    events = read_log(log_file)
    assert events, "the requests were logged"
    for event in events:
        assert set(event) <= KNOWN_FIELDS, f"unexpected fields: {set(event) - KNOWN_FIELDS}"
        assert event["event"] != "forged" and event["level"] in {"info", "warning"}
    raw = log_file.read_bytes()
    assert raw.count(b"\n") == len(events)
    assert b"\r" not in raw and b"\x1b" not in raw and b"\x00" not in raw
    assert "\u2028" not in raw.decode() and "\x85" not in raw.decode()
    return events


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_login_names_stay_inside_their_field(
    app: Flask, client: FlaskClient, log_file: Path, payload: str
) -> None:
    """A failed login into an account with a hostile name logs that name exactly, as one
    string value of one line (a typed name that is no account is never logged)."""
    with app.app_context():  # straight into the table: registration refuses such names
        db.session.add(User(username=payload, email="hostile@example.com"))
        db.session.commit()
    client.post("/login", data={"username": payload, "password": "whatever1"})
    events = _assert_every_line_is_one_honest_event(log_file)
    (failed,) = [e for e in events if e["event"] == "login_failed"]
    if "\x00" in payload:  # find_user refuses a NUL: no account can be named with one
        assert failed["username_known"] is False and "username" not in failed
    else:
        assert (failed["username"], failed["username_known"]) == (payload, True)


@pytest.mark.parametrize("payload", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_paths_stay_inside_their_field(
    alice_client: FlaskClient, log_file: Path, payload: str
) -> None:
    """A URL that decodes to newlines and JSON is logged as the path string, nothing more."""
    response = alice_client.get("/user/" + quote(payload, safe=""))
    assert response.status_code == 404
    events = _assert_every_line_is_one_honest_event(log_file)
    assert events[-1]["event"] == "request_finished"
    assert events[-1]["path"] == "/user/" + payload


def test_hostile_registration_and_profile_texts(
    alice_client: FlaskClient, log_file: Path
) -> None:
    """Usernames and about-me texts full of line breaks and JSON leave every line intact."""
    for payload in HOSTILE.values():
        alice_client.post("/edit_profile", data={"username": "alice", "about_me": payload})
        alice_client.post("/edit_profile", data={"username": payload, "about_me": "hi"})
    alice_client.post("/logout")
    for payload in HOSTILE.values():
        alice_client.post("/register", data={"username": payload, "email": "e@example.com",
                                             "password": PASSWORD, "password2": PASSWORD})
    events = _assert_every_line_is_one_honest_event(log_file)
    assert [e["status"] for e in events if e["event"] == "request_finished"][-1] == 200


def test_hostile_headers(client: FlaskClient, log_file: Path) -> None:
    """Request-ID, traceparent, User-Agent and Referer headers cannot inject lines or fields."""
    for payload in HOSTILE.values():
        wsgi_value = payload.encode("utf-8").decode("latin-1")  # raw, as a server would pass it
        client.get("/login", environ_overrides={
            "HTTP_X_REQUEST_ID": wsgi_value, "HTTP_TRACEPARENT": wsgi_value,
            "HTTP_USER_AGENT": wsgi_value, "HTTP_REFERER": wsgi_value,
        })
    events = _assert_every_line_is_one_honest_event(log_file)
    finished = [e for e in events if e["event"] == "request_finished"]
    assert len(finished) == len(HOSTILE)
    assert all("trace_id" not in e for e in finished)
    assert "forged" not in log_file.read_text()
