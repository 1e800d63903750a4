"""App-test fixtures: users, logging in through the real forms, CSRF-enforcing apps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jinja2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import User
from tests.app.helpers import PASSWORD, AuthActions, MakeUser
from tests.apps import built_app

# The app hashes with scrypt (deliberately slow); fixtures store a cheap hash of the same kind
# of werkzeug string so that logging in hundreds of times keeps the suite fast.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class _SharedBytecodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory across the many apps tests build (keyed by checksum)."""

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


# Compiling Bootstrap-Flask's form macros takes ~0.1 s per app; once per session is enough.
_BYTECODE = _SharedBytecodeCache()


@pytest.fixture
def app(app: Flask) -> Flask:
    """The shared `app` fixture, with template compilation shared across tests."""
    app.jinja_env.bytecode_cache = _BYTECODE
    return app


@pytest.fixture
def make_user(app: Flask) -> MakeUser:
    """Create a user straight in the database (password: PASSWORD); returns the row."""

    def _make_user(username: str, email: str | None = None, **fields: Any) -> User:
        with app.app_context():
            user = User(username=username, email=email or f"{username.lower()}@example.com",
                        password_hash=_CHEAP_HASH, **fields)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return _make_user


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Log in and out on `client` through the real forms."""
    return AuthActions(client)


@pytest.fixture
def alice(make_user: MakeUser, auth: AuthActions) -> User:
    """A user named alice, logged in on `client`."""
    user = make_user("alice")
    assert auth.login("alice").status_code == 302
    return user


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app that enforces CSRF tokens, as production does."""
    with built_app({**app_config, "WTF_CSRF_ENABLED": True}) as application:
        application.jinja_env.bytecode_cache = _BYTECODE
        yield application


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    """A client of the CSRF-enforcing app."""
    return csrf_app.test_client()
