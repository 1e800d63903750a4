"""The default pool setting (pool_pre_ping): a database restart costs no error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from app import create_app
from app.extensions import db
from tests.apps import create_schema
from tests.postgres.cluster import APP_ROLE, Cluster

pytestmark = pytest.mark.postgres

NO_PRE_PING_YAML = "SQLALCHEMY_ENGINE_OPTIONS:\n  pool_pre_ping: false\n"


def _cut_the_apps_connections(cluster: Cluster) -> int:
    """What a PostgreSQL restart or failover does to the app's pool: every connection dies."""
    with psycopg.connect(cluster.admin_dsn(), autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE usename = %s", (APP_ROLE,)).fetchall()
    return len(rows)


@pytest.mark.parametrize(
    ("config_text", "status_after_restart"),
    [(None, 200), (NO_PRE_PING_YAML, 503)],
    ids=["default-pool_pre_ping", "pre_ping-turned-off"],
)
def test_pool_pre_ping_hides_a_database_restart(
    app_config: dict[str, Any],
    postgres_cluster: Cluster,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    config_text: str | None,
    status_after_restart: int,
) -> None:
    """With the default pool_pre_ping the first request after a restart works; without, a 503."""
    if config_text is not None:
        (tmp_path / "production.yaml").write_text(config_text)
        monkeypatch.setenv("MICROBLOG_CONFIG", str(tmp_path / "production.yaml"))
    app = create_app(app_config)
    with app.app_context():
        create_schema()  # /healthz is a readiness check: it reads the tables
    client = app.test_client()
    try:
        assert client.get("/healthz").status_code == 200  # leaves a connection in the pool
        assert _cut_the_apps_connections(postgres_cluster) >= 1
        assert client.get("/healthz").status_code == status_after_restart
        assert client.get("/healthz").status_code == 200  # the pool recovers either way
    finally:
        with app.app_context():
            db.engine.dispose()
