"""Pytest plugin: a throwaway PostgreSQL server per run, and `--postgres` to run any suite on it.

Registered from tests/conftest.py (`pytest_plugins`), so tests/app can use it as well as
tests/postgres. `pytest tests/app --postgres` gives every test a fresh, empty database on the
throwaway server instead of a SQLite file.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres.cluster import Cluster, ClusterUnavailableError, start_cluster

TEST_DATABASE = "microblog_test"


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


@pytest.fixture(scope="session")
def postgres_test_database(postgres_cluster: Cluster) -> str:
    """The name of the run's one test database, owned by the unprivileged app role."""
    postgres_cluster.create_database(TEST_DATABASE)
    return TEST_DATABASE


@pytest.fixture
def postgres_database_url(postgres_cluster: Cluster, postgres_test_database: str) -> str:
    """An empty database for one test, emptied before it: no test sees another's leftovers."""
    postgres_cluster.empty_database(postgres_test_database)
    return postgres_cluster.app_url(postgres_test_database)


@pytest.fixture(autouse=True)
def _connections_closed_by_their_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """With --postgres, collect garbage after each test so a connection left open is reported
    (ResourceWarning, an error here) against the test that leaked it, not a random later one."""
    yield
    if request.config.getoption("--postgres"):
        gc.collect()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The test's DATABASE_URL: a SQLite file in tmp_path, or an empty PostgreSQL database."""
    if request.config.getoption("--postgres"):
        return str(request.getfixturevalue("postgres_database_url"))
    return f"sqlite:///{tmp_path / 'microblog.db'}"
