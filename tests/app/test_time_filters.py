"""The one time format of every page: UTC, to the second, whatever zone the database returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from flask import Flask, render_template_string

from app.templating import display_utc, isoformat_utc


def test_a_naive_time_is_taken_as_utc() -> None:
    """SQLite returns naive datetimes; they are UTC, and microseconds are dropped."""
    assert isoformat_utc(datetime(2024, 5, 1, 9, 5, 7, 999_999)) == "2024-05-01T09:05:07Z"
    assert display_utc(datetime(2024, 5, 1, 9, 5, 7)) == "2024-05-01 09:05 UTC"


def test_an_aware_time_is_converted_to_utc() -> None:
    """PostgreSQL returns aware datetimes in its own zone; the page shows them in UTC."""
    moment = datetime(2024, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert isoformat_utc(moment) == "2024-04-30T22:30:00Z"
    assert display_utc(moment) == "2024-04-30 22:30 UTC"


def test_small_years_keep_four_digits() -> None:
    """Both forms stay fixed-width for years below 1000."""
    moment = datetime(5, 1, 2, 3, 4, tzinfo=UTC)
    assert isoformat_utc(moment) == "0005-01-02T03:04:00Z"
    assert display_utc(moment) == "0005-01-02 03:04 UTC"


def test_templates_have_both_filters(app: Flask) -> None:
    """Every template can use `isoformat_utc` and `display_utc`."""
    with app.app_context():
        rendered = render_template_string("{{ t | isoformat_utc }} {{ t | display_utc }}",
                                          t=datetime(2024, 5, 1, 12, 30))
    assert rendered == "2024-05-01T12:30:00Z 2024-05-01 12:30 UTC"
