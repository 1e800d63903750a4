"""`flask send-test-email`: delivered or a clear failure, with the right exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask.testing import FlaskCliRunner

from app import create_app
from app.config import PROJECT_ROOT
from observability.mail.outbox import Outbox, store_url
from tests.smtp_server import SMTPServer


def mail_cli(app_config: dict[str, Any], port: int, **extra: Any) -> FlaskCliRunner:
    """A CLI runner for an app whose mail settings point at the test's server."""
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      **{"ADMINS": ["ops@example.org", "dev@example.org"], **extra})
    return create_app(app_config).test_cli_runner()


def test_delivers_to_every_admin(
    app_config: dict[str, Any], smtp_server: SMTPServer
) -> None:
    """A working server: one message to every admin, 'Delivered.', exit status 0."""
    runner = mail_cli(app_config, smtp_server.port)
    result = runner.invoke(args=["send-test-email"])
    assert result.exit_code == 0, result.output
    assert "Delivered." in result.output
    [received] = smtp_server.messages()  # synchronous: it is there when the command returns
    assert received.rcpt_tos == ["ops@example.org", "dev@example.org"]
    assert received.message["Subject"] == "[Microblog] Test message"


def test_explicit_recipients_replace_admins(
    app_config: dict[str, Any], smtp_server: SMTPServer
) -> None:
    """Addresses on the command line receive the test instead of ADMINS."""
    runner = mail_cli(app_config, smtp_server.port)
    result = runner.invoke(args=["send-test-email", "me@example.org"])
    assert result.exit_code == 0, result.output
    assert [item.rcpt_tos for item in smtp_server.messages()] == [["me@example.org"]]


def test_dead_server_fails_with_the_reason(
    app_config: dict[str, Any], closed_port: int
) -> None:
    """Nothing listening: a non-zero exit and the reason, without the password."""
    runner = mail_cli(app_config, closed_port, MAIL_USERNAME="mailer", MAIL_PASSWORD="pw-hidden")
    result = runner.invoke(args=["send-test-email", "--timeout", "3"])
    assert result.exit_code != 0
    assert "Not delivered: ConnectionRefusedError" in result.output
    assert "login as mailer" in result.output
    assert "pw-hidden" not in result.output


def test_without_mail_server_it_says_so(runner: FlaskCliRunner) -> None:
    """MAIL_SERVER unset (the test default): a non-zero exit naming the setting."""
    result = runner.invoke(args=["send-test-email"])
    assert result.exit_code != 0
    assert "MAIL_SERVER is not set" in result.output


def test_without_admins_it_says_so(
    app_config: dict[str, Any], smtp_server: SMTPServer
) -> None:
    """MAIL_SERVER but no ADMINS: a non-zero exit naming ADMINS, and nothing sent."""
    runner = mail_cli(app_config, smtp_server.port, ADMINS=[])
    result = runner.invoke(args=["send-test-email"])
    assert result.exit_code != 0
    assert "ADMINS is empty" in result.output
    assert smtp_server.messages() == []


def test_real_command_line(tmp_path: Path, smtp_server: SMTPServer) -> None:
    """`flask --app wsgi send-test-email` set up by environment variables, as an admin runs it."""
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("MAIL_")},
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "ADMINS": "ops@example.org",
        "SECRET_KEY": "cli-test-key",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "LOG_DIR": str(tmp_path / "logs"),
    }
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run([str(flask), "--app", "wsgi", "send-test-email"], cwd=PROJECT_ROOT,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Delivered." in result.stdout
    assert [item.rcpt_tos for item in smtp_server.messages()] == [["ops@example.org"]]


def test_shows_the_outbox_with_retries(
    app_config: dict[str, Any], smtp_server: SMTPServer, tmp_path: Path
) -> None:
    """Error emails still waiting are listed with their attempts, next attempt and last error."""
    state = tmp_path / "state"
    outbox = Outbox(store_url("", state), 300, clock=lambda: 4_000_000_000.0)  # due in 2096
    outbox.record("abc", {"event": "unhandled_exception", "request_id": "REQ-WAITING"})
    claim = outbox.claim()
    assert claim is not None
    outbox.failed(claim, "ConnectionRefusedError: [Errno 111] Connection refused")
    outbox.dispose()
    runner = mail_cli(app_config, smtp_server.port, STATE_DIR=str(state))
    result = runner.invoke(args=["send-test-email"])
    assert result.exit_code == 0, result.output
    assert f"Outbox ({state / 'error_email_outbox.sqlite3'}): 1 error email(s) waiting" in (
        result.output)
    assert "unhandled_exception REQ-WAITING: queued 2096-10-02T07:06:40Z, 1 attempt(s), " \
           "next attempt 2096-10-02T07:07:10Z" in result.output
    assert "last error: ConnectionRefusedError: [Errno 111] Connection refused" in result.output


def test_shows_an_empty_outbox(app_config: dict[str, Any], smtp_server: SMTPServer) -> None:
    """With nothing waiting, the command says every error email was delivered."""
    result = mail_cli(app_config, smtp_server.port).invoke(args=["send-test-email"])
    assert "empty, every error email was delivered." in result.output
