"""Building test apps: shared by the conftests (pytest advises against importing a conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from app import create_app
from app.extensions import db
from app.readiness import MIGRATIONS_DIR


def create_schema() -> None:
    """The models' tables, stamped at the migration head as `flask db upgrade` leaves them
    (Alembic's create_all-then-stamp recipe), so /readyz finds the schema current."""
    db.create_all()
    with db.engine.begin() as connection:
        MigrationContext.configure(connection).stamp(_scripts(), "head")


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


@contextmanager
def built_app(config: dict[str, Any]) -> Iterator[Flask]:
    """An app with a fresh schema, its connections closed afterwards."""
    application = create_app(config)
    with application.app_context():
        create_schema()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
