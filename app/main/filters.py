"""Template filters that show stored UTC times the same way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime

from app.main import bp

# datetime.isoformat, not strftime or an f-string of fields: the post lists format two times
# per post, and isoformat (C code) is the cheapest of the three.


@bp.app_template_filter("isoformat_utc")
def isoformat_utc(moment: datetime) -> str:
    """Machine-readable time for `<time datetime=...>`, e.g. `2024-05-01T12:30:00Z`."""
    return _utc_iso(moment) + "Z"


@bp.app_template_filter("display_utc")
def display_utc(moment: datetime) -> str:
    """Human-readable time, explicit about the zone, e.g. `2024-05-01 12:30 UTC`."""
    return _display_from_iso(_utc_iso(moment))


def both_utc(moment: datetime) -> tuple[str, str]:
    """`(isoformat_utc, display_utc)` of `moment`, converted once (each listed post shows both)."""
    iso = _utc_iso(moment)
    return iso + "Z", _display_from_iso(iso)


def _utc_iso(moment: datetime) -> str:
    """`moment` in UTC to the second, without a zone suffix: `2024-05-01T12:30:00`."""
    # Stored times are UTC; SQLite hands them back naive, PostgreSQL aware in its own zone.
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def _display_from_iso(iso: str) -> str:
    return f"{iso[:10]} {iso[11:16]} UTC"
