"""DATABASE_URL spellings for PostgreSQL all reach the real server through psycopg 3."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from app.models import User

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize("scheme", ["postgresql+psycopg", "postgresql", "postgres"])
def test_every_spelling_connects_with_psycopg3(
    app_config: dict[str, Any], database_url: str, scheme: str
) -> None:
    """`postgresql+psycopg://`, bare `postgresql://` and Heroku's `postgres://` all work."""
    spelled = scheme + "://" + database_url.split("://", 1)[1]
    app = create_app({**app_config, "DATABASE_URL": spelled})
    assert make_url(app.config["SQLALCHEMY_DATABASE_URI"]).drivername == "postgresql+psycopg"
    with app.app_context():
        try:
            assert db.session.scalar(sa.text("SELECT current_user")) == "microblog"
        finally:
            db.session.remove()
            db.engine.dispose()


def test_the_app_runs_as_an_unprivileged_role(app: Any) -> None:
    """The app needs no superuser: it owns its database and nothing more."""
    with app.app_context():
        is_superuser = db.session.scalar(sa.text("SELECT rolsuper FROM pg_roles "
                                                 "WHERE rolname = current_user"))
        db.session.add(User(username="alice", email="alice@example.com"))
        db.session.commit()
        assert db.session.scalar(sa.select(User.username)) == "alice"
    assert is_superuser is False
