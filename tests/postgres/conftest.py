"""Every test under tests/postgres runs on the throwaway PostgreSQL server, `--postgres` or not."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User

PASSWORD = "correct horse battery"
# Werkzeug's scrypt is deliberately slow; a cheap hash of the same format keeps logins fast.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture
def database_url(postgres_database_url: str) -> str:
    """Point the shared `app_config` at an empty PostgreSQL database instead of SQLite."""
    return postgres_database_url


@pytest.fixture
def alice_client(app: Flask) -> FlaskClient:
    """A client logged in as alice through the real login form."""
    with app.app_context():
        db.session.add(User(username="alice", email="alice@example.com",
                            password_hash=_CHEAP_HASH))
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    return client
