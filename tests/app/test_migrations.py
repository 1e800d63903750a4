"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from app import create_app
from app.config import PROJECT_ROOT
from app.extensions import db


def _tables(path: Path) -> set[str]:
    with closing(sqlite3.connect(path)) as connection, connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {name for (name,) in rows}


def _index_sql(path: Path, name: str) -> str | None:
    with closing(sqlite3.connect(path)) as connection, connection:
        row = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (name,)
        ).fetchone()
    return row[0] if row else None


@pytest.fixture
def empty_db_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[tuple[Flask, Path]]:
    """An app pointed at a SQLite file that does not exist yet; its connections closed after."""
    path = tmp_path / "fresh.db"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{path}"})
    yield app, path
    with app.app_context():
        db.engine.dispose()  # pooled connections left to the GC are a ResourceWarning on 3.13


def test_db_upgrade_creates_the_schema(empty_db_app: tuple[Flask, Path]) -> None:
    """`flask db upgrade` on an empty file creates users, posts, followers and the name index."""
    app, path = empty_db_app
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(path) == {"alembic_version", "user", "post", "followers"}
    index = _index_sql(path, "ix_user_username_lower")
    assert index is not None
    assert "UNIQUE" in index.upper()
    assert "lower(username)" in index


def test_migrated_schema_matches_the_models(empty_db_app: tuple[Flask, Path]) -> None:
    """Autogenerate finds nothing to change: models and migrations agree."""
    app, _path = empty_db_app
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        # Alembic cannot reflect expression indexes on SQLite and says so; the test above
        # checks that one index directly.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_db_downgrade_removes_everything(empty_db_app: tuple[Flask, Path]) -> None:
    """The initial migration is reversible."""
    app, path = empty_db_app
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables(path) == {"alembic_version"}


@pytest.mark.slow
def test_flask_cli_upgrade_in_a_subprocess(tmp_path: Path) -> None:
    """The documented command, `flask --app wsgi db upgrade`, works from a clean environment."""
    path = tmp_path / "cli.db"
    env = {key: value for key, value in os.environ.items() if key != "MICROBLOG_CONFIG"}
    env.update(DATABASE_URL=f"sqlite:///{path}", LOG_DIR=str(tmp_path / "logs"),
               SECRET_KEY="subprocess-test-key")
    flask = Path(sys.executable).with_name("flask")
    completed = subprocess.run(
        [str(flask), "--app", "wsgi", "db", "upgrade"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert _tables(path) == {"alembic_version", "user", "post", "followers"}


def test_admin_role_migration_up_and_down(app_config: dict[str, Any]) -> None:
    """The admin-role step adds `is_admin` (false for existing users) and removes it again,
    on SQLite and, with --postgres, on PostgreSQL, keeping the users and the name index."""
    app = create_app(app_config)  # `database_url`: an empty SQLite file or PostgreSQL database
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "ac9c208578e8"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.text(
            "INSERT INTO \"user\" (username, email) VALUES ('old', 'old@example.com')"))
        db.session.commit()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(sa.text(
            "SELECT username, is_admin FROM \"user\"")).all() == [("old", False)]
        db.session.remove()
    result = runner.invoke(args=["db", "downgrade", "ac9c208578e8"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        inspector = sa.inspect(db.engine)
        assert "is_admin" not in {column["name"] for column in inspector.get_columns("user")}
        assert db.session.scalar(sa.text("SELECT count(*) FROM \"user\"")) == 1
        with pytest.raises(sa.exc.IntegrityError):  # the case-insensitive name index survived
            db.session.execute(sa.text(
                "INSERT INTO \"user\" (username, email) VALUES ('OLD', 'x@example.com')"))
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
