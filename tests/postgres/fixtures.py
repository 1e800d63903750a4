"""Pytest plugin: a throwaway PostgreSQL server per run, and `--postgres` to run any suite on it.

Registered from tests/conftest.py (`pytest_plugins`), so tests/app can use it as well as
tests/postgres. `pytest tests/app --postgres` gives every test a fresh, empty database on the
throwaway server instead of a SQLite file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres.cluster import Cluster, ClusterUnavailableError, start_cluster

_database_numbers = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    """Offer `--postgres`: the app's tests then run against a real PostgreSQL server."""
    parser.addoption(
        "--postgres", action="store_true", default=False,
        help="run the app tests against a throwaway PostgreSQL cluster instead of SQLite",
    )


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One cluster for the whole run (starting one takes about a second); deleted at the end."""
    try:
        cluster = start_cluster()
    except ClusterUnavailableError as error:
        pytest.skip(f"PostgreSQL not available: {error}")
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_database_url(postgres_cluster: Cluster) -> Iterator[str]:
    """A fresh, empty database for one test, dropped after it (even with connections left open)."""
    dbname = f"test_{next(_database_numbers)}"
    yield postgres_cluster.create_database(dbname)
    postgres_cluster.drop_database(dbname)


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's DATABASE_URL: a SQLite file in tmp_path, or with `--postgres` a fresh database."""
    if request.config.getoption("--postgres"):
        return str(request.getfixturevalue("postgres_database_url"))
    return f"sqlite:///{tmp_path / 'microblog.db'}"
