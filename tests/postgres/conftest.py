"""Every test under tests/postgres runs on the throwaway PostgreSQL server, `--postgres` or not."""

from __future__ import annotations

import pytest


@pytest.fixture
def database_url(postgres_database_url: str) -> str:
    """Point the shared `app_config` at a fresh PostgreSQL database instead of SQLite."""
    return postgres_database_url
