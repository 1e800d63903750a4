"""`flask send-test-email`: check the mail settings by sending one message, synchronously."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from observability.mail.smtp import MailDeliveryError, build_message, send_message
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


@click.command("send-test-email")
@click.argument("recipients", nargs=-1)
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds to wait for each step of the SMTP conversation.")
@with_appcontext
def send_test_email(recipients: tuple[str, ...], timeout: float) -> None:
    """Send a test message to ADMINS (or RECIPIENTS) and report whether it was delivered."""
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
        send_message(settings, message, timeout=timeout)
    except MailDeliveryError as error:
        raise click.ClickException(f"Not delivered: {error.reason}") from None
    click.echo("Delivered.")
