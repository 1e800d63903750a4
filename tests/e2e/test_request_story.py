"""End to end: a failed and a slow request tell their whole story everywhere the ID leads.

A real gunicorn serves the app with routes that run three known queries; a real SMTP server
takes the error email. The log line, the email, `microblog-logs show --trail` and the admin
page each show the three statements (never the parameter), their durations, the request's
database time, and the same user's previous requests.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.apps.story_wsgi import SECRET_PARAMETER
from tests.e2e.gunicorn_server import GunicornServer
from tests.e2e.http_session import HttpSession
from tests.smtp_server import SMTPServer

pytestmark = pytest.mark.slow

APPS = Path(__file__).parent / "apps"
MICROBLOG_LOGS = Path(sys.executable).parent / "microblog-logs"
EXTERNAL_URL = "https://microblog.example.test"
SLOW_MS = 1000  # a busy shared machine may make other requests slow too: tests allow that
MARKERS = ("story_users", "story_posts", "story_follows")  # one per statement, in order
EMAIL = "susan@example.com"
_SQL_LINE = re.compile(r"\+\s*[\d.]+ ms\s+sql\s+[\d.]+ ms\s+SELECT count\(\*\) AS (story_\w+)")


def _start(tmp_path: Path, smtp: SMTPServer, start: Callable[..., GunicornServer]
           ) -> GunicornServer:
    config = tmp_path / "microblog.yaml"
    config.write_text(f"STATE_DIR: {tmp_path / 'state'}\n")  # this test's own email throttle
    return start(workers=2, app="story_wsgi:app", pythonpath=[APPS], env={
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "ADMINS": EMAIL,  # mail only
        "EXTERNAL_URL": EXTERNAL_URL, "SLOW_REQUEST_MS": str(SLOW_MS),
        "MICROBLOG_CONFIG": str(config),
    })


def _signed_in(server: GunicornServer) -> HttpSession:
    session = HttpSession(server.base_url)
    fields = {"username": "susan", "email": EMAIL, "password": "a long pass phrase",
              "password2": "a long pass phrase"}
    assert session.submit_form("/register", fields).status == 200
    reply = session.submit_form("/login", {"username": "susan", "password": fields["password"]})
    assert reply.status == 200 and reply.url.endswith("/index"), reply.url
    return session


def _records_of(server: GunicornServer, request_id: str, *names: str) -> list[dict[str, Any]]:
    records = server.wait_for_records(lambda rs: {r["event"] for r in rs
                                                  if r.get("request_id") == request_id}
                                      >= set(names), timeout=30)
    return [r for r in records if r.get("request_id") == request_id]


def _markers_in_order(text: str) -> list[str]:
    return [marker for line in text.splitlines() for marker in MARKERS if marker in line]


def _cli(server: GunicornServer, *args: str) -> str:
    done = subprocess.run([str(MICROBLOG_LOGS), *args, "--log-dir", str(server.log_dir)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def story(tmp_path: Path, smtp_server: SMTPServer,
          gunicorn_server: Callable[..., GunicornServer]) -> dict[str, Any]:
    """Susan signs up, browses two pages, hits the crash, then the slow page."""
    server = _start(tmp_path, smtp_server, gunicorn_server)
    session = _signed_in(server)
    server.flask("admin", "grant", "susan")  # an operator makes susan an admin
    earlier = [session.get(path).headers["X-Request-ID"] for path in ("/explore", "/index")]
    crashed = session.get("/_e2e/story/crash")
    assert crashed.status == 500
    slow = session.get("/_e2e/story/slow")
    assert slow.status == 200
    return {"server": server, "session": session, "earlier": earlier,
            "crash_id": crashed.headers["X-Request-ID"], "slow_id": slow.headers["X-Request-ID"]}


def test_a_failure_tells_its_story_in_log_email_cli_and_page(
    story: dict[str, Any], smtp_server: SMTPServer
) -> None:
    """Three statements with durations, db time and the previous requests, in all four places."""
    server: GunicornServer = story["server"]
    crash_id: str = story["crash_id"]
    earlier: list[str] = story["earlier"]

    # The log line.
    records = _records_of(server, crash_id, "unhandled_exception", "request_finished")
    error = next(r for r in records if r["event"] == "unhandled_exception")
    finished = next(r for r in records if r["event"] == "request_finished")
    sql = [c for c in error["breadcrumbs"] if c["category"] == "sql"]
    ours = [c for c in sql if "story_" in c["message"]]
    assert [m for c in ours for m in MARKERS if m in c["message"]] == list(MARKERS)
    assert all(c["duration_ms"] >= 0 and "?" in c["message"] for c in ours)
    assert [(c["level"], c["message"]) for c in error["breadcrumbs"] if c["category"] == "log"
            ] == [("debug", "story_counted statements=3")]
    assert error["db_queries"] == len(sql) >= 3 and error["db_ms"] > 0
    # The 500 page may query after the crash (the rolled-back session reloads the signed-in
    # user for the layout): the request's total counts those too.
    assert finished["db_queries"] >= error["db_queries"] and finished["db_ms"] >= error["db_ms"]
    assert finished["endpoint"] == "crash" and finished["status"] == 500

    # The email.
    [received] = smtp_server.wait_for(1, timeout=30)
    body = received.message.get_content()
    assert _markers_in_order(body) == list(MARKERS)
    assert len(_SQL_LINE.findall(body)) == 3
    assert f"Database:       {error['db_queries']} queries" in body
    assert f"{EXTERNAL_URL}/admin/requests/{crash_id}" in body
    assert all(request_id in body.split("Previous requests of user 1")[1] for request_id in earlier)

    # microblog-logs show --trail
    shown = _cli(server, "show", crash_id, "--trail")
    story_part, trail = shown.split("\nPrevious requests of user 1 ")
    assert _markers_in_order(story_part) == list(MARKERS)
    assert len(_SQL_LINE.findall(story_part)) == 3
    assert f"db_queries={finished['db_queries']}" in story_part
    assert all(request_id in trail for request_id in earlier)

    # The admin page (susan holds the admin role).
    page = story["session"].get(f"/admin/requests/{crash_id}")
    assert page.status == 200
    crumbs = page.text.split('id="breadcrumbs"')[1].split("</ol>")[0]
    assert _markers_in_order(crumbs) == list(MARKERS)
    assert crumbs.count('class="font-monospace text-nowrap crumb-duration"') == len(sql)
    assert f"in {finished['db_queries']} queries" in page.text
    previous = page.text.split('id="previous-requests"')[1].split("</table>")[0]
    assert all(f'href="/admin/requests/{request_id}"' in previous for request_id in earlier)

    for text in (server.log_files()[-1].read_text(), body, shown, page.text):
        assert SECRET_PARAMETER not in text


def test_a_slow_request_tells_the_same_story(story: dict[str, Any]) -> None:
    """Past SLOW_REQUEST_MS: a warning with slow and breadcrumbs, listed by CLI and console."""
    server: GunicornServer = story["server"]
    slow_id: str = story["slow_id"]
    [finished] = [r for r in _records_of(server, slow_id, "request_finished")
                  if r["event"] == "request_finished"]
    assert finished["level"] == "warning" and finished["slow"] is True
    assert finished["duration_ms"] > SLOW_MS
    assert _markers_in_order("\n".join(c["message"] for c in finished["breadcrumbs"])) == list(
        MARKERS)

    listed = _cli(server, "search", "--slow").splitlines()
    assert slow_id in {line.split()[3] for line in listed}
    assert all("slow=true" in line for line in listed)
    shown = _cli(server, "show", slow_id, "--trail")
    assert _markers_in_order(shown.split("\nPrevious requests")[0]) == list(MARKERS)
    assert story["crash_id"] in shown.split("\nPrevious requests")[1]

    session: HttpSession = story["session"]
    assert f'href="/admin/requests/{slow_id}"' in session.get("/admin/slow").text
    page = session.get(f"/admin/requests/{slow_id}").text
    assert _markers_in_order(page.split('id="breadcrumbs"')[1].split("</ol>")[0]) == list(MARKERS)
    assert f'href="/admin/requests/{story["crash_id"]}"' in page.split(
        'id="previous-requests"')[1]
