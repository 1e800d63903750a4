"""The one time format of every page: UTC, to the second, whatever zone the database returns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from app.main.filters import both_utc, display_utc, isoformat_utc


def test_a_naive_time_is_taken_as_utc() -> None:
    """SQLite returns naive datetimes; they are UTC, and microseconds are dropped."""
    assert isoformat_utc(datetime(2024, 5, 1, 9, 5, 7, 999_999)) == "2024-05-01T09:05:07Z"


def test_an_aware_time_is_converted_to_utc() -> None:
    """PostgreSQL returns aware datetimes in its own zone; the page shows them in UTC."""
    moment = datetime(2024, 5, 1, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert both_utc(moment) == ("2024-04-30T22:30:00Z", "2024-04-30 22:30 UTC")


def test_small_years_keep_four_digits() -> None:
    """The ISO form stays fixed-width, so the display slice stays right."""
    moment = datetime(5, 1, 2, 3, 4, tzinfo=UTC)
    assert isoformat_utc(moment) == "0005-01-02T03:04:00Z"
    assert display_utc(moment) == "0005-01-02 03:04 UTC"


def test_both_utc_is_the_two_filters_at_once() -> None:
    """The inlined pair equals the filters for naive, aware and sub-second times."""
    for moment in (datetime(2024, 5, 1, 12, 30, 59, 999_999),
                   datetime(2024, 5, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
                   datetime(9, 1, 2, 3, 4, 5)):
        assert both_utc(moment) == (isoformat_utc(moment), display_utc(moment))
