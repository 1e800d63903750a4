"""Keeping `last_seen` fresh without a database write on every request."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from app.extensions import db
from app.main import bp

# Requests that say nothing about a person's activity, and must not load the user for it.
_QUIET_ENDPOINTS = frozenset(
    {"static", "bootstrap.static", "main.livez", "main.readyz", "avatars.avatar"}
)


@bp.before_app_request
def record_last_seen() -> None:
    """Write the visit only when the stored one is at least a minute old."""
    if request.endpoint in _QUIET_ENDPOINTS or request.endpoint is None:
        return
    if current_user.is_authenticated and current_user.seen_now():
        db.session.commit()
