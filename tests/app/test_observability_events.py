"""The request's events through the test client: request_finished, unhandled_exception, context."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
import structlog
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import User
from observability.logging_setup import INSTALLED_MARK, remove_installed_handlers
from observability.web import flask_integration
from tests.observability.log_reading import events_named, read_log


@pytest.fixture
def log_file(app: Flask) -> Path:
    """The app's JSON log."""
    return Path(app.config["LOG_DIR"]) / "microblog.log"


@pytest.fixture
def routes(app: Flask) -> Flask:
    """The app with test routes: one that crashes, one whose libraries log."""

    def crash() -> str:
        raise RuntimeError("the view failed")

    def chatty() -> str:
        logging.getLogger("sqlalchemy.engine.Engine").warning("slow query: %s", "SELECT 1")
        structlog.get_logger("app.test").info("cache_miss", key="k")
        return "ok"

    app.add_url_rule("/crash", "crash", crash)
    app.add_url_rule("/chatty", "chatty", chatty)
    return app


@pytest.fixture
def crashing_app(routes: Flask) -> Flask:
    """The test routes with the real 500 path (TESTING's exception propagation off)."""
    routes.config["PROPAGATE_EXCEPTIONS"] = False
    return routes


def test_request_finished_once_with_its_fields(client: FlaskClient, log_file: Path) -> None:
    """Each request logs one request_finished with method, path, status, duration, user, address."""
    client.get("/login?token=abc", headers={"X-Request-ID": "one"})
    client.post("/login", data={"username": "nobody", "password": "x"},
                headers={"X-Request-ID": "two"})
    first, second = events_named(log_file, "request_finished")
    assert first["request_id"] == "one" and second["request_id"] == "two"
    assert {k: first[k] for k in ("level", "method", "path", "status", "user_id",
                                  "remote_addr")} == {
        "level": "info", "method": "GET", "path": "/login", "status": 200, "user_id": None,
        "remote_addr": "127.0.0.1",
    }
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert (second["method"], second["path"]) == ("POST", "/login")
    assert "abc" not in log_file.read_text()  # the query string is not part of `path`


def test_client_errors_are_info_not_errors(client: FlaskClient, log_file: Path) -> None:
    """A 404 and a 405 are logged at info, with no error-level events."""
    client.get("/no/such/page")
    client.delete("/healthz")
    assert [e["status"] for e in events_named(log_file, "request_finished")] == [404, 405]
    assert {e["level"] for e in read_log(log_file)} == {"info"}


def test_a_500_logs_one_exception_and_one_finish(crashing_app: Flask, log_file: Path) -> None:
    """One unhandled_exception (error, structured, request fields) and one request_finished."""
    response = crashing_app.test_client().get("/crash", headers={"X-Request-ID": "crash-1"})
    assert response.status_code == 500
    events = [e for e in read_log(log_file) if e.get("request_id") == "crash-1"]
    assert [e["event"] for e in events] == ["unhandled_exception", "request_finished"]
    crash, finished = events
    assert crash["level"] == "error"
    assert (crash["method"], crash["path"], crash["remote_addr"]) == ("GET", "/crash", "127.0.0.1")
    assert crash["exception"][0]["exc_type"] == "RuntimeError"
    assert crash["exception"][0]["exc_value"] == "the view failed"
    assert crash["exception"][0]["frames"][-1]["name"] == "crash"
    assert crash["fingerprint"]
    assert finished["status"] == 500


def test_flasks_own_exception_line_is_not_written(
    crashing_app: Flask, log_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Flask's default "Exception on /crash [GET]" record is replaced, not added."""
    crashing_app.test_client().get("/crash")
    assert "Exception on" not in log_file.read_text()
    assert not [r for r in caplog.records if "Exception on" in r.getMessage()]
    assert [e["level"] for e in read_log(log_file)].count("error") == 1


def test_a_plain_flask_app_is_refused(tmp_path: Path) -> None:
    """init_app wants an ObservedFlask: a plain Flask would log every 500 twice."""
    with pytest.raises(TypeError, match="ObservedFlask"):
        flask_integration.init_app(Flask("plain", instance_path=str(tmp_path)))


def test_a_propagated_exception_is_still_logged_once(routes: Flask, log_file: Path) -> None:
    """When Flask re-raises (TESTING, debug), teardown logs the exception and the finish once."""
    with pytest.raises(RuntimeError, match="the view failed"):
        routes.test_client().get("/crash", headers={"X-Request-ID": "propagated"})
    events = [e for e in read_log(log_file) if e.get("request_id") == "propagated"]
    assert [e["event"] for e in events] == ["unhandled_exception", "request_finished"]
    assert events[1]["status"] == 500


def test_library_records_inside_a_request_carry_its_id(routes: Flask, log_file: Path) -> None:
    """A third-party logger and our own events inside a request share its request_id."""
    routes.test_client().get("/chatty", headers={"X-Request-ID": "chatty-1"})
    by_logger = {e["logger"]: e for e in read_log(log_file) if e.get("request_id") == "chatty-1"}
    assert by_logger["sqlalchemy.engine.Engine"]["event"] == "slow query: SELECT 1"
    assert by_logger["sqlalchemy.engine.Engine"]["level"] == "warning"
    assert by_logger["app.test"]["event"] == "cache_miss"
    assert set(by_logger) == {"sqlalchemy.engine.Engine", "app.test",
                              "observability.web.flask_integration"}


def test_nothing_outside_a_request_inherits_its_id(routes: Flask, log_file: Path) -> None:
    """After the request ends its context is cleared: a later event has no request_id."""
    routes.test_client().get("/chatty")
    structlog.get_logger("app.cli").info("after_the_request")
    (after,) = events_named(log_file, "after_the_request")
    assert "request_id" not in after and "user_id" not in after


def test_the_logged_in_user_is_on_every_event(
    routes: Flask, log_file: Path, alice: User, client: FlaskClient
) -> None:
    """A logged-in user's id is bound for the whole request, library records included."""
    client.get("/chatty", headers={"X-Request-ID": "as-alice"})
    events = [e for e in read_log(log_file) if e.get("request_id") == "as-alice"]
    assert len(events) == 3
    assert {e["user_id"] for e in events} == {alice.id}


def test_login_binds_the_user_for_the_rest_of_that_request(
    app: Flask, log_file: Path, make_user: Any
) -> None:
    """On the login request itself, events after the login carry the new user's id."""
    user = make_user("bob")
    app.test_client().post("/login", data={"username": "bob", "password": "correct horse battery"},
                           headers={"X-Request-ID": "login-1"})
    (finished,) = [e for e in events_named(log_file, "request_finished")
                   if e["request_id"] == "login-1"]
    assert finished["status"] == 302
    assert finished["user_id"] == user.id


def test_user_id_comes_from_the_session_even_with_the_database_down(
    crashing_app: Flask, log_file: Path, make_user: Any
) -> None:
    """With the user table gone, the crash is still logged with the user's id, and the ID header."""
    user = make_user("carol")
    client = crashing_app.test_client()
    client.post("/login", data={"username": "carol", "password": "correct horse battery"})
    with crashing_app.app_context():
        db.session.execute(sa.text('ALTER TABLE "user" RENAME TO user_gone'))
        db.session.commit()
    response = client.get("/crash", headers={"X-Request-ID": "db-down"})
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "db-down"
    (crash,) = [e for e in events_named(log_file, "unhandled_exception")
                if e["request_id"] == "db-down"]
    assert crash["user_id"] == user.id


def test_app_startup_is_logged_once_per_process(
    app_config: dict[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Building several apps in one process logs one app_startup, with the pid and version."""
    monkeypatch.setattr(flask_integration, "_startup_pid", None)
    config = {**app_config, "LOG_DIR": str(tmp_path / "startup-logs")}
    create_app(config)
    create_app(config)
    (startup,) = events_named(tmp_path / "startup-logs" / "microblog.log", "app_startup")
    assert startup["pid"] == os.getpid()
    assert startup["version"] == flask_integration.package_version() != ""
    assert startup["level"] == "info"


def test_under_the_flask_command_the_console_uses_stderr(app_config: dict[str, Any]) -> None:
    """An app built by a `flask` command logs to stderr: stdout is the command's output."""
    root = logging.getLogger()
    try:
        with click.Context(click.Command("flask")):
            create_app({**app_config, "LOG_CONSOLE": True})
        streams = [h.stream for h in root.handlers
                   if getattr(h, INSTALLED_MARK, False) and isinstance(h, logging.StreamHandler)]
        assert streams == [sys.stderr]
    finally:
        remove_installed_handlers(root)


def test_the_exception_event_names_the_client_and_form_fields(
    crashing_app: Flask, log_file: Path
) -> None:
    """unhandled_exception carries the user agent and the posted field names, never the values."""
    crashing_app.add_url_rule("/crash", "crash_post", crashing_app.view_functions["crash"],
                              methods=["POST"])
    crashing_app.test_client().post(
        "/crash", data={"username": "ann", "password": "hunter2-secret"},
        headers={"User-Agent": "Probe/1.0"},
    )
    (event,) = events_named(log_file, "unhandled_exception")
    assert event["user_agent"] == "Probe/1.0"
    assert event["form_keys"] == ["password", "username"]
    assert "hunter2-secret" not in log_file.read_text()


def test_database_errors_do_not_log_row_values(crashing_app: Flask, log_file: Path) -> None:
    """A failed INSERT's exception names the statement, not the values (hide_parameters)."""

    def duplicate() -> str:
        for _ in range(2):
            db.session.add(User(username="twin", email="twin-secret@example.com"))
            db.session.commit()
        return "unreachable"

    crashing_app.add_url_rule("/duplicate", "duplicate", duplicate)
    assert crashing_app.test_client().get("/duplicate").status_code == 500
    (event,) = events_named(log_file, "unhandled_exception")
    assert event["exception"][0]["exc_type"] == "IntegrityError"
    assert "twin-secret@example.com" not in log_file.read_text()
