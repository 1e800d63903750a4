"""Fixtures shared by every test: a safe configuration, an app on a real SQLite file, clients."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, event

from app.config import ENV_KEYS
from tests.apps import built_app

# The throwaway PostgreSQL server and `--postgres` (which swaps SQLite for it in `database_url`);
# real aiosmtpd servers on loopback ports (`smtp_server`, `start_smtp_server`, `tls_ca`).
pytest_plugins = ["tests.postgres.fixtures", "tests.smtp_server"]


@event.listens_for(Engine, "connect")
def _unsynced_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Test databases skip fsync: a durable write per commit is most of an app test's time."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute("PRAGMA synchronous=OFF")


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's settings: no stray MAIL_SERVER can send a real email."""
    for key in (*ENV_KEYS, "MICROBLOG_CONFIG"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture
def app_config(tmp_path: Path, database_url: str) -> dict[str, Any]:
    """The test configuration; tests adjust it before asking for `app`."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "LOG_DIR": str(tmp_path / "logs"),
        "LOG_CONSOLE": False,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SERVER": "",
    }


@pytest.fixture
def app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app with a fresh schema in a real SQLite file (or the --postgres server)."""
    with built_app(app_config) as application:
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
