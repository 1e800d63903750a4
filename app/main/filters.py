"""Template filters that show stored UTC times the same way everywhere."""

from __future__ import annotations

from datetime import datetime

from app.main import bp
from app.models import as_utc


@bp.app_template_filter("isoformat_utc")
def isoformat_utc(moment: datetime) -> str:
    """Machine-readable time for `<time datetime=...>`, e.g. `2024-05-01T12:30:00Z`."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.app_template_filter("display_utc")
def display_utc(moment: datetime) -> str:
    """Human-readable time, explicit about the zone, e.g. `2024-05-01 12:30 UTC`."""
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")
