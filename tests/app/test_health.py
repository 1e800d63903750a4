"""`/healthz`: JSON liveness that really asks the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from app import create_app


def test_healthz_ok(client: FlaskClient) -> None:
    """With a working database the answer is 200 {"status": "ok"}."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["status"] == "ok"
    assert response.headers["X-Request-ID"]


def test_healthz_needs_no_login(client: FlaskClient) -> None:
    """Monitors call it anonymously; it must not redirect to the login page."""
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_a_dead_database(app_config: dict[str, Any], tmp_path: Path) -> None:
    """When the database cannot be opened, 503 {"status": "error"} without internals."""
    unreachable = tmp_path / "no" / "such" / "dir" / "microblog.db"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{unreachable}"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["status"] == "error"
    text = response.get_data(as_text=True)
    for word in ("sqlite", "OperationalError", "unable to open", str(tmp_path)):
        assert word not in text
