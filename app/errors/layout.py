"""The navbar's view of who is signed in, safe to compute on the error path."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.errors import bp
from app.errors.handlers import rollback_quietly


@bp.app_context_processor
def inject_navbar_username() -> dict[str, Any]:
    """`navbar_username`: the signed-in user's name, or None (signed out, or not loadable).

    Loading the user needs the database. When the database is what failed, the 500 page must
    still render, so the navbar falls back to the signed-out links instead of raising again.
    """
    try:
        return {"navbar_username": current_user.username if current_user.is_authenticated else None}
    except SQLAlchemyError:
        rollback_quietly()
        return {"navbar_username": None}
