"""The migrations build, match and remove the schema on a real PostgreSQL server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.config import PROJECT_ROOT
from app.extensions import db

pytestmark = pytest.mark.postgres

FLASK = Path(sys.executable).with_name("flask")


def _flask_db(database_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `flask --app wsgi db ...` the way a deploy script does, against `database_url`."""
    env = {key: value for key, value in os.environ.items() if key != "MICROBLOG_CONFIG"}
    env.update(DATABASE_URL=database_url, LOG_DIR=str(tmp_path / "logs"),
               SECRET_KEY="migration-test-key")
    return subprocess.run(
        [str(FLASK), "--app", "wsgi", "db", *args], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """A direct connection to the test database, to look at what the migrations did."""
    direct = sa.create_engine(database_url)
    yield direct
    direct.dispose()


def test_upgrade_creates_the_schema(database_url: str, engine: sa.Engine, tmp_path: Path) -> None:
    """`flask db upgrade` creates the tables and the case-insensitive unique name index."""
    completed = _flask_db(database_url, tmp_path, "upgrade")
    assert completed.returncode == 0, completed.stderr
    inspector = sa.inspect(engine)
    assert set(inspector.get_table_names()) == {"alembic_version", "user", "post", "followers"}
    with engine.connect() as connection:
        index = connection.scalar(sa.text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_user_username_lower'"))
    assert index is not None
    assert index.startswith("CREATE UNIQUE INDEX")
    assert "lower((username)::text)" in index


def test_migrated_schema_matches_the_models(
    database_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """On PostgreSQL too, autogenerate finds nothing to change after the migrations ran."""
    assert _flask_db(database_url, tmp_path, "upgrade").returncode == 0
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_downgrade_removes_everything(
    database_url: str, engine: sa.Engine, tmp_path: Path
) -> None:
    """The migrations are reversible on PostgreSQL: down to base, then up again."""
    assert _flask_db(database_url, tmp_path, "upgrade").returncode == 0
    completed = _flask_db(database_url, tmp_path, "downgrade", "base")
    assert completed.returncode == 0, completed.stderr
    assert set(sa.inspect(engine).get_table_names()) == {"alembic_version"}
    assert _flask_db(database_url, tmp_path, "upgrade").returncode == 0
    assert "user" in sa.inspect(engine).get_table_names()
