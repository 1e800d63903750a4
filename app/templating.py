"""What every page's templates use: the signed-in name for the layout, and the UTC time filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.errors.handlers import rollback_quietly


def isoformat_utc(moment: datetime) -> str:
    """Machine-readable time for `<time datetime=...>`, e.g. `2024-05-01T12:30:00Z`."""
    return _as_utc(moment).isoformat(timespec="seconds") + "Z"


def display_utc(moment: datetime) -> str:
    """Human-readable time, explicit about the zone, e.g. `2024-05-01 12:30 UTC`."""
    utc = _as_utc(moment)
    return f"{utc.date().isoformat()} {utc:%H:%M} UTC"  # isoformat: years below 1000 keep 4 digits


def _as_utc(moment: datetime) -> datetime:
    """`moment` as a naive UTC time: stored times are UTC, but SQLite hands them back naive
    and PostgreSQL aware in its own zone."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def navbar_username() -> dict[str, Any]:
    """`navbar_username`: the signed-in user's name, or None (signed out, or not loadable).

    Loading the user needs the database. When the database is what failed, the 500 page must
    still render, so the navbar falls back to the signed-out links instead of raising again.
    """
    try:
        # Outside a request (a template rendered in a CLI command) there is no current_user.
        signed_in = getattr(current_user, "is_authenticated", False)
        return {"navbar_username": current_user.username if signed_in else None}
    except SQLAlchemyError:
        rollback_quietly()
        return {"navbar_username": None}


def init_app(app: Flask) -> None:
    """Register the time filters and the layout's context on `app`."""
    app.add_template_filter(isoformat_utc)
    app.add_template_filter(display_utc)
    app.context_processor(navbar_username)
