"""CLI commands: one module per command group, registered here."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the app's CLI commands (`flask logs ...`, `flask send-test-email`)."""
    from app.cli import email, logs

    app.cli.add_command(logs.logs)
    app.cli.add_command(email.send_test_email)
