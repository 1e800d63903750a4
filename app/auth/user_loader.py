"""Flask-Login's `user_loader`: the session holds the user's id, the ORM loads the `User`."""

from __future__ import annotations

from flask import g
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, login
from app.models import User
from observability.web.flask_integration import identify_user


@login.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in `User`, or None for an id that names nobody (a deleted account)."""
    identify_user(user_id)  # before the query: a failing database still names the user
    if g.get("user_load_failed"):
        # The first failure is already becoming a 500. Its page, and Flask-Login's own template
        # context, ask for the user again: they get an anonymous one rather than a second error.
        return None
    try:
        return db.session.get(User, int(user_id))
    except SQLAlchemyError:
        g.user_load_failed = True
        raise
