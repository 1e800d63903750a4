"""App-test fixtures: users, logging in through the real forms, CSRF-enforcing apps."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from app import create_app
from app.extensions import db
from app.models import User

PASSWORD = "correct horse battery"
# The app hashes with scrypt (deliberately slow); fixtures store a cheap hash of the same kind
# of werkzeug string so that logging in hundreds of times keeps the suite fast.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

MakeUser = Callable[..., User]


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


@dataclass
class AuthActions:
    """Log in and out through the real routes, as a browser would."""

    client: FlaskClient

    def login(self, username: str, password: str = PASSWORD, **extra: Any) -> TestResponse:
        """POST the login form (with a CSRF token when the page has one)."""
        data = {"username": username, "password": password, **extra}
        return self.client.post("/login", data=with_csrf(self.client, "/login", data))

    def logout(self) -> TestResponse:
        """GET /logout."""
        return self.client.get("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def alice(make_user: MakeUser, auth: AuthActions) -> User:
    """A user named alice, logged in on `client`."""
    user = make_user("alice")
    assert auth.login("alice").status_code == 302
    return user


def csrf_token_from(html: str) -> str | None:
    """The CSRF token of the first form in a page, if it has one."""
    match = _CSRF_FIELD.search(html)
    return match.group(1) if match else None


def with_csrf(client: FlaskClient, page: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` plus the CSRF token that `page` hands out (unchanged when CSRF is off)."""
    if not client.application.config.get("WTF_CSRF_ENABLED", True):
        return data
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return {**data, "csrf_token": token} if token else data


@pytest.fixture
def csrf_app(app_config: dict[str, Any]) -> Iterator[Flask]:
    """An app that enforces CSRF tokens, as production does."""
    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    application.jinja_env.bytecode_cache = _BYTECODE
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_client(csrf_app: Flask) -> FlaskClient:
    return csrf_app.test_client()


@pytest.fixture
def no_propagation(app: Flask) -> Flask:
    """The app with TESTING's exception propagation off, so the real 500 handler runs."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return app
