"""CLI commands registered on the app (stub)."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the app's CLI commands."""
