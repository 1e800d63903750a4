"""CLI commands: one module per command group; those that need the app are registered here."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands that need the app (`flask send-test-email`, `flask admin`).

    `flask logs` is not here: it is a `flask.commands` plugin (pyproject.toml), which Flask finds
    before it loads the app, so reading the logs never builds the app or writes to its log.
    """
    from app.cli import admin, email, seed

    app.cli.add_command(email.send_test_email)
    app.cli.add_command(admin.admin)
    app.cli.add_command(seed.seed)
