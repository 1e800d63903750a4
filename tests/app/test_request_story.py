"""The request's story in its events: database time, endpoint, breadcrumbs, slow requests."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import structlog
from flask import Flask
from flask.testing import FlaskClient
from flask_login import current_user

from app.extensions import db
from app.models import Post, User
from tests.apps import built_app
from tests.observability.log_reading import events_named, read_log

PARAMETER = "needle-parameter-value"  # bound to a query: must never reach the log
# A bound parameter as the statement shows it: SQLite's `?`, psycopg's `%(name)s`.
PLACEHOLDER = r"(\?|%\(\w+\)s)"
SLOW_MS = 150


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """The real 500 path, and a slow threshold a test route can cross quickly."""
    return {**app_config, "PROPAGATE_EXCEPTIONS": False, "SLOW_REQUEST_MS": SLOW_MS}


THREE_QUERIES = tuple(sa.text(statement) for statement in (
    'SELECT count(*) FROM "user" WHERE :p = :p',
    'SELECT count(*) FROM "post" WHERE :p = :p',
    'SELECT count(*) FROM "followers" WHERE :p = :p',
))


def _three_queries() -> None:
    for query in THREE_QUERIES:
        db.session.execute(query, {"p": PARAMETER})


@pytest.fixture
def routes(app: Flask) -> Flask:
    """Test routes: three queries then fine / a crash / a pause; a post written then a crash."""

    def three() -> str:
        _three_queries()
        structlog.get_logger("app.test").debug("counted_tables", tables=3)
        return "ok"

    def three_then_crash() -> str:
        three()
        raise RuntimeError("after three queries")

    def three_then_pause() -> str:
        three()
        time.sleep(SLOW_MS * 2 / 1000)
        return "late"

    def post_then_crash() -> str:
        user = db.session.get(User, current_user.id)
        db.session.add(Post(body="a post " + PARAMETER, author=user))
        db.session.commit()
        raise RuntimeError("after the post")

    for rule, view in (("/three", three), ("/crash", three_then_crash),
                       ("/pause", three_then_pause), ("/post-crash", post_then_crash)):
        app.add_url_rule(rule, view.__name__, view)
    return app


@pytest.fixture
def log_file(routes: Flask) -> Path:
    """The app's JSON log."""
    return Path(routes.config["LOG_DIR"]) / "microblog.log"


def _sql(crumbs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [crumb for crumb in crumbs if crumb["category"] == "sql"]


def test_request_finished_counts_the_requests_queries(client: FlaskClient, log_file: Path,
                                                      routes: Flask) -> None:
    """db_queries is the request's three statements, not the ones run outside any request."""
    with routes.app_context():  # as a CLI command or start-up would
        _three_queries()
    client.get("/three")
    [finished] = events_named(log_file, "request_finished")
    assert finished["endpoint"] == "three"
    assert finished["db_queries"] == 3
    assert isinstance(finished["db_ms"], float) and 0 < finished["db_ms"] <= finished["duration_ms"]
    assert finished["level"] == "info" and "slow" not in finished


def test_a_404_has_no_endpoint(client: FlaskClient, log_file: Path) -> None:
    """No route matched: `endpoint` is null, and no query ran."""
    client.get("/no/such/page")
    [finished] = events_named(log_file, "request_finished")
    assert finished["endpoint"] is None and finished["db_queries"] == 0


def test_a_request_that_succeeds_writes_no_breadcrumbs(client: FlaskClient,
                                                       log_file: Path) -> None:
    """The trail is kept in memory only: a good request logs just request_finished."""
    request_id = client.get("/three").headers["X-Request-ID"]
    assert [event["event"] for event in read_log(log_file)
            if event.get("request_id") == request_id] == ["request_finished"]
    assert "breadcrumbs" not in log_file.read_text()


def test_a_failure_carries_its_breadcrumbs(client: FlaskClient, log_file: Path) -> None:
    """unhandled_exception lists the three statements and the unwritten debug event, in order."""
    assert client.get("/crash").status_code == 500
    [error] = events_named(log_file, "unhandled_exception")
    crumbs = error["breadcrumbs"]
    statements = _sql(crumbs)
    assert [crumb["message"].split('"')[1] for crumb in statements] == ["user", "post",
                                                                        "followers"]
    # placeholders in the driver's style (SQLite `?`, psycopg `%(name)s`), never the values
    assert all(re.search(rf"WHERE {PLACEHOLDER} = {PLACEHOLDER}$", c["message"])
               for c in statements)
    assert all(c["duration_ms"] >= 0 for c in statements)
    assert crumbs[-1] == {"offset_ms": crumbs[-1]["offset_ms"], "category": "log",
                          "message": "counted_tables tables=3", "level": "debug"}
    offsets = [crumb["offset_ms"] for crumb in crumbs]
    assert offsets == sorted(offsets)
    assert (error["db_queries"], error["endpoint"]) == (3, "three_then_crash")
    assert PARAMETER not in log_file.read_text()
    assert "counted_tables" not in {e["event"] for e in read_log(log_file)}


def test_a_post_written_then_a_crash_shows_the_insert(client: FlaskClient, log_file: Path,
                                                      alice: User) -> None:
    """The INSERT of the post is in the failed request's breadcrumbs, without its values."""
    assert client.get("/post-crash").status_code == 500
    [error] = events_named(log_file, "unhandled_exception")
    inserts = [c["message"] for c in _sql(error["breadcrumbs"]) if c["message"].startswith(
        "INSERT INTO post")]
    assert len(inserts) == 1 and re.search(rf"VALUES \({PLACEHOLDER}", inserts[0])
    assert PARAMETER not in log_file.read_text()


def test_a_slow_request_is_a_warning_with_its_trail(client: FlaskClient, log_file: Path) -> None:
    """Past SLOW_REQUEST_MS, request_finished is a warning with `slow: true` and breadcrumbs."""
    client.get("/pause")
    [finished] = events_named(log_file, "request_finished")
    assert finished["level"] == "warning" and finished["slow"] is True
    assert finished["duration_ms"] > SLOW_MS
    assert len(_sql(finished["breadcrumbs"])) == 3
    assert finished["breadcrumbs"][-1]["message"] == "counted_tables tables=3"


def test_breadcrumbs_can_be_turned_off(app_config: dict[str, Any]) -> None:
    """BREADCRUMBS_MAX=0: no breadcrumbs field, but the queries are still counted."""
    with built_app({**app_config, "BREADCRUMBS_MAX": 0}) as app:

        def crash() -> str:
            _three_queries()
            raise RuntimeError("no trail")

        app.add_url_rule("/crash", "crash", crash)
        app.test_client().get("/crash")
        log_file = Path(app.config["LOG_DIR"]) / "microblog.log"
        [error] = events_named(log_file, "unhandled_exception")
        [finished] = events_named(log_file, "request_finished")
    assert "breadcrumbs" not in error
    assert error["db_queries"] == finished["db_queries"] == 3


def test_the_secret_key_is_scrubbed_from_breadcrumbs(client: FlaskClient, log_file: Path,
                                                     routes: Flask) -> None:
    """A configured secret in a breadcrumb message is redacted like everywhere else."""

    def leaky() -> str:
        structlog.get_logger("app.test").debug("configured", value=routes.config["SECRET_KEY"])
        raise RuntimeError("leak")

    routes.add_url_rule("/leaky", "leaky", leaky)
    client.get("/leaky")
    [error] = events_named(log_file, "unhandled_exception")
    assert error["breadcrumbs"][-1]["message"] == "configured value=[REDACTED]"
    assert routes.config["SECRET_KEY"] not in log_file.read_text()
