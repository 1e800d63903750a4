"""The real app plus routes that run three known queries, then crash or dawdle (e2e tests only)."""

from __future__ import annotations

import time

import sqlalchemy as sa
import structlog

from app import create_app
from app.extensions import db

app = create_app()

# The parameter is bound, never part of the text: it must not reach a log line or an email.
SECRET_PARAMETER = "story-parameter-never-logged"
STATEMENTS = tuple(sa.text(text) for text in (
    'SELECT count(*) AS story_users FROM "user" WHERE username != :value',
    "SELECT count(*) AS story_posts FROM post WHERE body != :value",
    "SELECT count(*) AS story_follows FROM followers WHERE :value IS NOT NULL",
))


def _three_queries() -> None:
    for statement in STATEMENTS:
        db.session.execute(statement, {"value": SECRET_PARAMETER})
    structlog.get_logger("tests.e2e.story").debug("story_counted", statements=len(STATEMENTS))


@app.get("/_e2e/story/crash")
def crash() -> str:
    """Three queries, a debug event below LOG_LEVEL, then an unhandled exception."""
    _three_queries()
    raise RuntimeError("deliberate crash after three queries")


@app.get("/_e2e/story/slow")
def slow() -> str:
    """Three queries, then slower than SLOW_REQUEST_MS."""
    _three_queries()
    time.sleep(float(app.config["SLOW_REQUEST_MS"]) * 1.5 / 1000)
    return "slow but fine"
