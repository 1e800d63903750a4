"""`flask logs`: search the JSON log files (stub: the triage issue fills it)."""

import click


@click.group()
def logs() -> None:
    """Search the JSON log files by request ID, level, event, user, path or time."""
