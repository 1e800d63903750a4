"""Building test apps: shared by the conftests (pytest advises against importing a conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from app import create_app
from app.extensions import db


@contextmanager
def built_app(config: dict[str, Any]) -> Iterator[Flask]:
    """An app with a fresh schema, its connections closed afterwards."""
    application = create_app(config)
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
