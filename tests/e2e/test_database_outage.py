"""A table vanishes under a running server: a 500 page whose ID leads to the logged exception."""

from __future__ import annotations

import json
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.gunicorn_server import GunicornServer, StartGunicorn
from tests.e2e.http_session import HttpSession

PASSWORD = "outage-test-password"
_PAGE_ID = re.compile(r'<code id="request-id"[^>]*>([^<]+)</code>')
# What a 500 page must never show: a traceback, SQL, the table, the driver, the exception.
INTERNALS = ("Traceback", "sqlite", "SQLite", "user_gone", "SELECT", "OperationalError",
             "no such table", "sqlalchemy", 'File "')


def _logged_in_session(server: GunicornServer) -> HttpSession:
    """Register and sign in through the real forms, as a browser would."""
    session = HttpSession(server.base_url)
    registered = session.submit_form(
        "/register",
        {"username": "carol", "email": "carol@example.org",
         "password": PASSWORD, "password2": PASSWORD},
    )
    assert registered.url.endswith("/login"), registered.text[:500]
    signed_in = session.submit_form("/login", {"username": "carol", "password": PASSWORD})
    assert signed_in.status == 200
    assert session.get("/index").status == 200
    return session


def _rename_user_table(database: Path) -> None:
    """The outage: the table the session's user is loaded from disappears (as in a bad deploy)."""
    with closing(sqlite3.connect(database)) as connection, connection:
        connection.execute('ALTER TABLE "user" RENAME TO user_gone')


def _error_events(server: GunicornServer, request_id: str) -> list[dict[str, object]]:
    records = server.log_records()
    return [r for r in records if r.get("request_id") == request_id and r["level"] == "error"]


@pytest.mark.slow
def test_outage_page_header_and_log_share_one_request_id(gunicorn_server: StartGunicorn) -> None:
    """The 500 page quotes the X-Request-ID header, which names exactly one logged exception."""
    server = gunicorn_server(workers=2)
    session = _logged_in_session(server)
    _rename_user_table(server.database)

    reply = session.get("/index")

    assert reply.status == 500
    header_id = reply.headers["X-Request-ID"]
    page_ids = _PAGE_ID.findall(reply.text)
    assert page_ids == [header_id]
    for internal in INTERNALS:
        assert internal not in reply.text

    server.stop()  # the log is complete once the workers have exited
    errors = _error_events(server, header_id)
    assert [event["event"] for event in errors] == ["unhandled_exception"]
    exception = json.dumps(errors[0]["exception"])
    assert "OperationalError" in exception  # the log, unlike the page, says what happened
    assert "user_gone" not in exception and "no such table: user" in exception


@pytest.mark.slow
def test_outage_answers_json_clients_with_the_same_id(gunicorn_server: StartGunicorn) -> None:
    """A client asking for JSON gets `error` and `request_id`, equal to the header and the log."""
    server = gunicorn_server(workers=2)
    session = _logged_in_session(server)
    _rename_user_table(server.database)

    reply = session.get("/index", headers={"Accept": "application/json"})

    assert reply.status == 500
    body = json.loads(reply.text)
    assert body["request_id"] == reply.headers["X-Request-ID"]
    assert body["error"]
    for internal in INTERNALS:
        assert internal not in reply.text
    server.stop()
    errors = _error_events(server, body["request_id"])
    assert [event["event"] for event in errors] == ["unhandled_exception"]
