"""End to end: a storm of identical errors over 4 real gunicorn workers sends one email.

The 500s come from a real fault, not a test route: the `user` table is renamed under the
running server (a database outage), so every POST /login fails inside our own code at the same
place, which is exactly "the same error" for the fingerprint.
"""

from __future__ import annotations

import http.cookiejar
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.models import User
from tests.e2e.gunicorn_server import GunicornServer
from tests.smtp_server import SMTPServer

WINDOW_SECONDS = 10  # long enough that 50 requests fit in half of it on a busy 2-core machine
STORM = 50
POSTED_PASSWORD = "storm-password-never-mailed"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _login_form(server: GunicornServer) -> tuple[urllib.request.OpenerDirector, str]:
    """A browser-like opener holding the session cookie, and the login form's CSRF token."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{server.base_url}/login", timeout=30) as response:
        match = _CSRF.search(response.read().decode())
    assert match, "the login page has no csrf_token field"
    return opener, match.group(1)


@dataclass(frozen=True)
class Reply:
    status: int
    request_id: str
    page: str


def _post_login(
    server: GunicornServer, opener: urllib.request.OpenerDirector, token: str
) -> Reply:
    data = urllib.parse.urlencode({"csrf_token": token, "username": "storm",
                                   "password": POSTED_PASSWORD}).encode()
    try:
        with opener.open(f"{server.base_url}/login", data=data, timeout=60) as response:
            page = response.read().decode()
            return Reply(response.status, response.headers["X-Request-ID"], page)
    except urllib.error.HTTPError as error:
        with error:
            return Reply(error.code, error.headers["X-Request-ID"], error.read().decode())


def _logged_errors(server: GunicornServer) -> dict[str, dict[str, Any]]:
    """The `unhandled_exception` events of every log file, by request ID."""
    return {str(record["request_id"]): record for record in server.log_records()
            if record["event"] == "unhandled_exception"}


def _held_back(message_text: str) -> int:
    match = re.search(r"^Held back:\s+(\d+) repeat", message_text, re.MULTILINE)
    assert match, message_text
    return int(match.group(1))


@pytest.mark.slow
def test_storm_over_four_workers_sends_one_email_then_reports_the_count(
    tmp_path: Path, smtp_server: SMTPServer, gunicorn_server: Callable[..., GunicornServer]
) -> None:
    """50 identical 500s over 4 workers: one email; the next after the window says 49 held back."""
    config = tmp_path / "microblog.yaml"
    config.write_text(f"STATE_DIR: {tmp_path / 'state'}\n")  # this test's own throttle state
    env = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_server.port),
           "ADMINS": "ops@example.org,dev@example.org",
           "ERROR_EMAIL_THROTTLE_SECONDS": str(WINDOW_SECONDS), "MICROBLOG_CONFIG": str(config)}
    server = gunicorn_server(workers=4, env=env)
    opener, token = _login_form(server)
    with closing(sqlite3.connect(server.database)) as connection, connection:  # the outage
        connection.execute(f'ALTER TABLE "{User.__tablename__}" RENAME TO "gone"')

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda _: _post_login(server, opener, token), range(STORM)))
    storm_seconds = time.monotonic() - started
    assert [reply.status for reply in replies] == [500] * STORM
    assert storm_seconds < WINDOW_SECONDS / 2, f"storm took {storm_seconds:.1f} s: too loaded"

    assert smtp_server.wait_for(1, timeout=30), "no email for the storm"
    first_arrived = time.monotonic()
    # Past the window, the next occurrence is emailed and reports the storm's repeats.
    time.sleep(max(0.0, first_arrived + WINDOW_SECONDS + 1 - time.monotonic()))
    last = _post_login(server, opener, token)
    assert last.status == 500
    smtp_server.wait_for(2, timeout=30)
    time.sleep(1)  # a straggler from the storm would arrive now
    messages = smtp_server.messages()

    assert len(messages) == 2, [str(item.message["Subject"]) for item in messages]
    first, second = messages
    assert first.rcpt_tos == ["ops@example.org", "dev@example.org"]
    assert first.message["Subject"].startswith("[Microblog] OperationalError on POST /login")
    # Repeats already counted when the first email went out are reported in it, the rest later.
    assert _held_back(first.message.get_content()) + _held_back(
        second.message.get_content()) == STORM - 1
    assert all(POSTED_PASSWORD not in item.message.as_string() for item in messages)

    # One ID everywhere: the page, the X-Request-ID header, the log line and the email.
    logged = _logged_errors(server)
    assert first.message["X-Request-ID"] in {reply.request_id for reply in replies}
    assert second.message["Subject"].endswith(f"(request {last.request_id})")
    assert last.request_id in last.page
    assert f'select(.request_id=="{last.request_id}")' in second.message.get_content()
    assert logged[last.request_id]["fingerprint"] == logged[first.message["X-Request-ID"]][
        "fingerprint"] == second.message["X-Microblog-Fingerprint"]
    assert len(logged) == STORM + 1
