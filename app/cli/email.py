"""`flask send-test-email` (stub: the error-emails issue fills it)."""

import click


@click.command("send-test-email")
def send_test_email() -> None:
    """Send a test message to ADMINS and report whether it was delivered."""
    raise click.ClickException("not implemented yet")
