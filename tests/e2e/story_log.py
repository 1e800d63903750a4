"""A log the real app wrote, for the tests that run the docs' commands (jq, lnav, shell) on one.

Each such test drives its own story (the requests its doc section queries); what they share is
how the log is written: an app whose 500s take the production path, with the docs' example user,
its log flushed and closed when the story ends.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import structlog
from flask import Flask
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db
from app.models import User
from observability.logging_setup import remove_installed_handlers
from tests.apps import create_schema

STORY_ID = "7K3MQ-9XA2B-TR5WN"  # the request ID the docs' examples use
USER_ID = 42  # susan, the user the docs' examples follow
PASSWORD = "correct horse battery"


@contextmanager
def story_app(log_dir: Path, database: Path, **config: Any) -> Iterator[Flask]:
    """An app logging to `log_dir` (500s not propagated), with susan; closes the log on exit.

    `config` adds to or overrides the app's settings (a mail server, a small LOG_MAX_BYTES).
    """
    app = create_app({"TESTING": True, "SECRET_KEY": "story-secret-key",
                      "DATABASE_URL": f"sqlite:///{database}", "LOG_DIR": str(log_dir),
                      "INSTANCE_PATH": str(database.parent / "instance"), "LOG_CONSOLE": False,
                      "WTF_CSRF_ENABLED": False, "PROPAGATE_EXCEPTIONS": False,
                      "MAIL_SERVER": "", **config})
    with app.app_context():
        create_schema()
        # A cheap hash of the same kind the app writes: the app's scrypt would slow the story.
        db.session.add(User(id=USER_ID, username="susan", email="susan@example.com",
                            password_hash=generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")))
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        remove_installed_handlers(logging.getLogger())  # flush and close the files


def add_crash_route(app: Flask) -> None:
    """`/crash`: logs `report_started`, then fails with RuntimeError("report failed")."""

    def crash() -> str:
        structlog.get_logger("app.reports").info("report_started")
        raise RuntimeError("report failed")

    app.add_url_rule("/crash", "crash", crash)
