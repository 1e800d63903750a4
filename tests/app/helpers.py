"""Helpers shared by app tests: the fixture password, logging in, CSRF tokens, sent SQL."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.extensions import db
from app.models import User

PASSWORD = "correct horse battery"
_CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')

MakeUser = Callable[..., User]


@dataclass
class AuthActions:
    """Log in and out through the real routes, as a browser would."""

    client: FlaskClient

    def login(self, username: str, password: str = PASSWORD, **extra: Any) -> TestResponse:
        """POST the login form (with a CSRF token when the page has one)."""
        data = {"username": username, "password": password, **extra}
        return self.client.post("/login", data=with_csrf(self.client, "/login", data))

    def logout(self) -> TestResponse:
        """POST /logout with the navbar's CSRF token, as the Logout button does."""
        return self.client.post("/logout", data=with_csrf(self.client, "/explore", {}))


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


@contextmanager
def statements_sent(app: Flask, keep: Callable[[str], bool]) -> Iterator[list[str]]:
    """Collect the SQL statements the app sends that `keep` accepts (identifier quotes removed:
    PostgreSQL quotes the reserved word user)."""
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        unquoted = statement.replace('"', "").lstrip()
        if keep(unquoted):
            statements.append(unquoted)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
