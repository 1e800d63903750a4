"""`/livez` and `/readyz` (alias `/healthz`) against real SQLite files in every broken state."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from tests.observability.log_reading import events_named, read_log

# What a 503 body must never contain: driver words, exception names, SQL, file paths.
DRIVER_TEXT = ("sqlite", "Error", "SELECT", "FROM", "file is not a database", "unable to open",
               "no such table", "alembic_version")

MakeApp = Callable[..., Flask]


@pytest.fixture
def make_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[MakeApp]:
    """An app on `tmp_path/db/microblog.db`, migrated with `flask db upgrade` to `revision`."""
    made: list[Flask] = []

    def _make(revision: str | None = "head", **config: Any) -> Flask:
        path = tmp_path / "db" / "microblog.db"
        path.parent.mkdir(exist_ok=True)
        app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{path}", **config})
        made.append(app)
        if revision is not None:
            result = app.test_cli_runner().invoke(args=["db", "upgrade", revision])
            assert result.exit_code == 0, result.output
        return app

    yield _make
    for app in made:  # pooled sqlite3 connections left to the GC are a ResourceWarning on 3.13
        with app.app_context():
            db.engine.dispose()


def _database(tmp_path: Path) -> Path:
    return tmp_path / "db" / "microblog.db"


def _assert_unavailable(client: FlaskClient, reason: str) -> None:
    for path in ("/readyz", "/healthz"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.headers["X-Request-ID"]
        assert response.json == {"status": "unavailable", "database": "error", "reason": reason}
        body = response.get_data(as_text=True)
        for word in DRIVER_TEXT:
            assert word not in body, word


def test_livez_answers_without_a_database(app_config: dict[str, Any], tmp_path: Path) -> None:
    """/livez is 200 with a request ID even when the database cannot be opened at all."""
    unreachable = tmp_path / "no" / "such" / "dir" / "microblog.db"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{unreachable}"})
    response = app.test_client().get("/livez")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/readyz", "/healthz"])
def test_a_migrated_database_is_ready(make_app: MakeApp, path: str) -> None:
    """Schema at the head, every table readable: 200 {"status": "ok", "database": "ok"}."""
    response = make_app().test_client().get(path)
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
    assert response.headers["X-Request-ID"]


def test_probes_need_no_login(client: FlaskClient) -> None:
    """Monitors call them anonymously; they must not redirect to the login page."""
    assert client.get("/readyz").status_code == 200
    assert client.get("/livez").status_code == 200


def test_a_missing_table_is_not_ready(make_app: MakeApp, tmp_path: Path) -> None:
    """A dropped table passes `SELECT 1` but not readiness: 503 naming the table."""
    app = make_app()
    with closing(sqlite3.connect(_database(tmp_path))) as database, database:
        database.execute("DROP TABLE post")
    _assert_unavailable(app.test_client(), "table post unreadable")


def test_a_garbage_file_is_not_ready(make_app: MakeApp, tmp_path: Path) -> None:
    """The database file overwritten with garbage: 503, no driver text."""
    app = make_app()
    _database(tmp_path).write_bytes(b"this is not a database, " * 1000)
    _assert_unavailable(app.test_client(), "migration version unreadable")


def test_an_unopenable_file_is_not_ready(make_app: MakeApp, tmp_path: Path) -> None:
    """A database path that cannot be opened (a directory stands there: chmod cannot stop root,
    the test's usual user, from reading a file): 503 'database connection failed'."""
    app = make_app(revision=None)
    _database(tmp_path).mkdir()
    _assert_unavailable(app.test_client(), "database connection failed")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions; "
                    "test_an_unopenable_file_is_not_ready covers this case as root")
def test_an_unreadable_file_is_not_ready(make_app: MakeApp, tmp_path: Path) -> None:
    """A database file the process may not read (mode 000): 503 'database connection failed'."""
    app = make_app()
    path = _database(tmp_path)
    path.chmod(0)
    try:
        _assert_unavailable(app.test_client(), "database connection failed")
    finally:
        path.chmod(0o600)


def test_a_schema_behind_the_head_is_not_ready(make_app: MakeApp) -> None:
    """A database migrated to an older revision: 503 until `flask db upgrade` runs, then 200."""
    app = make_app(revision="ac9c208578e8")
    client = app.test_client()
    _assert_unavailable(client, "schema not at the migration head")
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert client.get("/readyz").status_code == 200


def test_a_failed_check_is_logged_with_its_reason(make_app: MakeApp, tmp_path: Path) -> None:
    """A 503 logs `health_check_failed` (the revisions, no SQL) and request_finished at info."""
    app = make_app(revision="ac9c208578e8")
    app.test_client().get("/readyz", headers={"X-Request-ID": "probe-1"})
    log_file = Path(app.config["LOG_DIR"]) / "microblog.log"
    [failed] = events_named(log_file, "health_check_failed")
    assert failed["level"] == "warning" and failed["request_id"] == "probe-1"
    assert failed["reason"] == "schema not at the migration head"
    assert failed["schema_revision"] == ["ac9c208578e8"]
    assert failed["head_revision"] and failed["head_revision"] != ["ac9c208578e8"]
    [finished] = events_named(log_file, "request_finished")
    assert (finished["level"], finished["status"]) == ("info", 503)


@pytest.mark.parametrize("path", ["/livez", "/readyz", "/healthz"])
def test_healthy_probes_log_at_debug(make_app: MakeApp, path: str) -> None:
    """A healthy probe's request_finished is a debug line: absent at INFO, present at DEBUG."""
    quiet = make_app()
    quiet.test_client().get(path, headers={"X-Request-ID": "quiet"})
    log_file = Path(quiet.config["LOG_DIR"]) / "microblog.log"
    assert [e for e in read_log(log_file) if e.get("request_id") == "quiet"] == []
    verbose = make_app(LOG_LEVEL="DEBUG")
    verbose.test_client().get(path, headers={"X-Request-ID": "verbose"})
    [finished] = [e for e in events_named(log_file, "request_finished")
                  if e["request_id"] == "verbose"]
    assert (finished["level"], finished["path"], finished["status"]) == ("debug", path, 200)
