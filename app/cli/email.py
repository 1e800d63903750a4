"""`flask send-test-email`: check the mail settings by sending one message, synchronously, and
show the error-email outbox (what waits, how often it was tried, when it is tried next)."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from observability.mail.outbox import Outbox, default_outboxes
from observability.mail.smtp import DEFAULT_DEADLINE, MailDeliveryError, build_message, send_message
from observability.settings import ObservabilitySettings


def _settings() -> ObservabilitySettings:
    settings = current_app.extensions.get("observability")
    if isinstance(settings, ObservabilitySettings):
        return settings
    return ObservabilitySettings.from_mapping(current_app.config,
                                              state_dir=Path(current_app.instance_path))


def _transport(settings: ObservabilitySettings) -> str:
    """How we will talk to the server, in words, without the password."""
    security = ("implicit TLS" if settings.mail_use_ssl
                else "STARTTLS" if settings.mail_use_tls else "no encryption")
    login = f", login as {settings.mail_username}" if settings.mail_username else ""
    return f"{settings.mail_server}:{settings.mail_port} ({security}{login})"


def _body(settings: ObservabilitySettings) -> str:
    return "\n".join([
        "This is a test message from `flask send-test-email`.",
        "",
        "If you can read it, Microblog can email its admins: error emails will arrive",
        "like this one (unless debug mode is on, which turns them off).",
        "",
        f"Sent from:  {socket.gethostname()}",
        f"Sent at:    {datetime.now(UTC).isoformat(timespec='seconds').replace('+00:00', 'Z')}",
        f"Server:     {_transport(settings)}",
        f"From:       {settings.sender}",
        f"Throttle:   one email per error per {settings.error_email_throttle_seconds} s",
        "",
    ])


def _utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds").replace(
        "+00:00", "Z")


def _outbox_lines(outbox: Outbox) -> list[str]:
    """The outbox in words: where it is, and each waiting email with its retries."""
    try:
        where, pending = outbox.describe(), outbox.pending()
    except (SQLAlchemyError, OSError) as error:
        return [f"Outbox: cannot be read ({type(error).__name__})."]
    if not pending:
        return [f"Outbox ({where}): empty, every error email was delivered."]
    lines = [f"Outbox ({where}): {len(pending)} error email(s) waiting:"]
    for email in pending:
        lines.append(f"  {email.subject_hint or email.fingerprint}: queued {_utc(email.created)}, "
                     f"{email.attempts} attempt(s), next attempt {_utc(email.next_attempt)}")
        if email.last_error:
            lines.append(f"    last error: {email.last_error}")
    return lines


def _show_outbox(settings: ObservabilitySettings) -> None:
    for outbox in default_outboxes(settings, DEFAULT_DEADLINE):
        try:
            click.echo("\n".join(_outbox_lines(outbox)))
        finally:
            outbox.dispose()


@click.command("send-test-email")
@click.argument("recipients", nargs=-1)
@click.option("--timeout", type=float, default=DEFAULT_DEADLINE, show_default=True,
              help="Seconds the whole SMTP conversation may take.")
@with_appcontext
def send_test_email(recipients: tuple[str, ...], timeout: float) -> None:
    """Send a test message to ADMINS (or RECIPIENTS), report whether it was delivered, and show
    the error emails waiting in the outbox."""
    settings = _settings()
    if not settings.mail_server:
        raise click.ClickException(
            "MAIL_SERVER is not set, so error emails are off. Set MAIL_SERVER (and ADMINS) "
            "in config.yaml or the environment."
        )
    to = list(recipients) or list(settings.admins)
    if not to:
        raise click.ClickException("ADMINS is empty: name at least one address (comma-separated).")
    if settings.debug:
        click.echo("Note: debug mode is on, so error emails are off; sending the test anyway.")
    click.echo(f"Sending a test message to {', '.join(to)} via {_transport(settings)} ...")
    message = build_message(settings, "[Microblog] Test message", _body(settings), recipients=to)
    try:
        send_message(settings, message, deadline=timeout)
    except MailDeliveryError as error:
        _show_outbox(settings)
        raise click.ClickException(f"Not delivered: {error.reason}") from None
    click.echo("Delivered.")
    _show_outbox(settings)
