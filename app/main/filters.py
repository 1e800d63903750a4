"""Template filters that show stored UTC times the same way everywhere."""

from __future__ import annotations

from datetime import datetime

from app.main import bp
from app.models import as_utc

# f-strings, not strftime: the post lists format two times per post, and strftime is slower.


@bp.app_template_filter("isoformat_utc")
def isoformat_utc(moment: datetime) -> str:
    """Machine-readable time for `<time datetime=...>`, e.g. `2024-05-01T12:30:00Z`."""
    m = as_utc(moment)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


@bp.app_template_filter("display_utc")
def display_utc(moment: datetime) -> str:
    """Human-readable time, explicit about the zone, e.g. `2024-05-01 12:30 UTC`."""
    return _display_from_iso(isoformat_utc(moment))


def both_utc(moment: datetime) -> tuple[str, str]:
    """`(isoformat_utc, display_utc)` of `moment`, formatted once (each listed post shows both)."""
    iso = isoformat_utc(moment)
    return iso, _display_from_iso(iso)


def _display_from_iso(iso: str) -> str:
    return f"{iso[:10]} {iso[11:16]} UTC"
