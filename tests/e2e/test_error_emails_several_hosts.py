"""End to end: two "hosts" (gunicorn servers with separate state folders) on one PostgreSQL
database share the error-email outbox and throttle, so a storm on both sends one email.

The 500s come from a real fault: the `user` table is renamed under the running servers, so
every POST /login fails at the same place in our code on both hosts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import User
from tests.e2e.gunicorn_server import GunicornServer
from tests.e2e.http_session import HttpSession, Reply, csrf_token
from tests.smtp_server import SMTPServer

STORM_PER_HOST = 15


def _host(tmp_path: Path, name: str, database_url: str, smtp_port: int,
          gunicorn_server: Callable[..., GunicornServer]) -> GunicornServer:
    """A server with its own state folder (as on its own machine) on the shared database."""
    config = tmp_path / f"{name}.yaml"
    config.write_text(f"STATE_DIR: {tmp_path / name / 'state'}\n")
    return gunicorn_server(workers=2, env={
        "DATABASE_URL": database_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port),
        "ADMINS": "ops@example.org", "MICROBLOG_CONFIG": str(config),
    })


def _storm(server: GunicornServer) -> list[Reply]:
    session = HttpSession(server.base_url)
    token = csrf_token(session.get("/login").text)
    return [session.post("/login", {"csrf_token": token, "username": "storm",
                                    "password": "x" * 12}) for _ in range(STORM_PER_HOST)]


def _held_back(message_text: str) -> int:
    match = re.search(r"^Held back:\s+(\d+) repeat", message_text, re.MULTILINE)
    assert match, message_text
    return int(match.group(1))


@pytest.mark.slow
def test_storm_on_two_hosts_sends_one_email(
    tmp_path: Path, postgres_database_url: str, smtp_server: SMTPServer,
    gunicorn_server: Callable[..., GunicornServer],
) -> None:
    """Identical 500s on two servers sharing PostgreSQL (separate state folders): one email."""
    hosts = [_host(tmp_path, name, postgres_database_url, smtp_server.port, gunicorn_server)
             for name in ("host-a", "host-b")]
    engine = sa.create_engine(postgres_database_url)
    try:
        with engine.begin() as connection:  # the outage
            connection.execute(sa.text(f'ALTER TABLE "{User.__tablename__}" RENAME TO gone'))
        with ThreadPoolExecutor(max_workers=2) as pool:
            replies = [reply for batch in pool.map(_storm, hosts) for reply in batch]
        assert [reply.status for reply in replies] == [500] * (2 * STORM_PER_HOST)

        [email] = smtp_server.wait_for(1, timeout=30)
        time.sleep(3)  # a second email, from the other host, would arrive now
        assert len(smtp_server.messages()) == 1
        assert email.message["Subject"].startswith("[Microblog] ProgrammingError on POST /login")
        assert email.message["X-Request-ID"] in {reply.headers["X-Request-ID"]
                                                 for reply in replies}
        with engine.connect() as connection:
            still_held = connection.execute(sa.text(
                "SELECT held_back FROM error_email_throttle WHERE fingerprint = :fingerprint"),
                {"fingerprint": email.message["X-Microblog-Fingerprint"]}).scalar_one()
            waiting = connection.execute(sa.text(
                "SELECT count(*) FROM error_email_outbox")).scalar_one()
        # Every occurrence on either host is either this email or counted for the next one.
        assert _held_back(email.message.get_content()) + still_held == 2 * STORM_PER_HOST - 1
        assert waiting == 0
    finally:
        engine.dispose()

    fingerprints = {record["fingerprint"] for host in hosts for record in host.log_records()
                    if record["event"] == "unhandled_exception"}
    assert fingerprints == {email.message["X-Microblog-Fingerprint"]}
