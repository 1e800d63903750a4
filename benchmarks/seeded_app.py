"""The in-process app the CPU probes time: a fresh SQLite file, a user with 20 posts, signed in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from app.extensions import db
from app.models import Post, User
from tests.apps import create_schema

POSTS = 20
USERNAME, PASSWORD = "bench", "pw-long-enough"


def signed_in_client(folder: Path, prepare: Callable[[Flask], object] | None = None,
                     **config: Any) -> FlaskClient:
    """A test client signed in as a user with POSTS posts; `config` adds to the app's settings.

    `prepare(app)` runs before the app serves its first request (a probe adds routes there).
    The database, the logs and the instance folder live in `folder`; CSRF is off so the login
    form posts directly, and no email leaves unless `config` names a mail server.
    """
    app = create_app({
        "SECRET_KEY": "benchmark-secret-key", "DATABASE_URL": f"sqlite:///{folder}/db.sqlite",
        "LOG_DIR": str(folder / "logs"), "INSTANCE_PATH": str(folder / "inst"),
        "WTF_CSRF_ENABLED": False, "MAIL_SERVER": "", **config,
    })
    if prepare is not None:
        prepare(app)
    with app.app_context():
        create_schema()
        user = User(username=USERNAME, email=f"{USERNAME}@example.com")
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.add_all(Post(body=f"post {i}", author=user) for i in range(POSTS))
        db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": USERNAME, "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"the benchmark user could not sign in: {response.status_code}")
    return client
