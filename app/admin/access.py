"""Who may use /admin: users holding the admin role, granted by an operator on the command line.

Anyone else, anonymous visitors included, gets the ordinary 404: the console does not
advertise itself. `ADMINS` is only the list of error-email recipients, never a grant.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.admin import bp
from app.errors.handlers import rollback_quietly


def holds_admin_role(user: Any) -> bool:
    """Whether `user` (Flask-Login's current user: the ORM User, anonymous, or None outside a
    request, as in a template rendered by a CLI command) holds the admin role."""
    return bool(getattr(user, "is_authenticated", False) and user.is_admin)


@bp.before_request
def admins_only() -> None:
    """Every /admin page is a 404 for anyone without the role (503 while it cannot be checked)."""
    try:
        allowed = holds_admin_role(current_user)
    except SQLAlchemyError:
        rollback_quietly()
        abort(503)
    if not allowed:
        abort(404)


@bp.app_context_processor
def inject_navbar_is_admin() -> dict[str, Any]:
    """`navbar_is_admin`: whether the layout shows the Admin link (never raises, as the 500 page
    must render even when the database, and so the user, cannot be loaded)."""
    try:
        return {"navbar_is_admin": holds_admin_role(current_user)}
    except SQLAlchemyError:
        rollback_quietly()
        return {"navbar_is_admin": False}
