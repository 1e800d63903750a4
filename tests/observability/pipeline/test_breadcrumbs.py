"""The request trail: bounded, formatted only on demand, fed by a pure processor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from structlog import DropEvent

from observability.pipeline.breadcrumbs import (
    MAX_MESSAGE_CHARS,
    CaptureBelowLevel,
    Trail,
    active_trail,
    begin_trail,
    end_trail,
)
from observability.pipeline.redaction import REDACTED, Redactor


@pytest.fixture
def trail() -> Iterator[Trail]:
    """A trail active in this context, ended afterwards."""
    active = begin_trail(50, started=100.0)
    yield active
    end_trail()


def test_queries_are_counted_and_kept_without_parameters() -> None:
    """Each statement adds to the counters and becomes one `sql` breadcrumb with its duration."""
    trail = Trail(50, started=100.0)
    trail.add_query("SELECT user.id\n  FROM user WHERE user.id = ?", 100.002, 0.0015)
    trail.add_query("INSERT INTO post (body) VALUES (?)", 100.010, 0.0005)
    assert (trail.db_queries, trail.db_ms) == (2, 2.0)
    assert trail.breadcrumbs() == [
        {"offset_ms": 2.0, "category": "sql",
         "message": "SELECT user.id FROM user WHERE user.id = ?", "duration_ms": 1.5},
        {"offset_ms": 10.0, "category": "sql",
         "message": "INSERT INTO post (body) VALUES (?)", "duration_ms": 0.5},
    ]


def test_a_failed_statement_says_so() -> None:
    """A statement the database refused is kept with the error's type."""
    trail = Trail(5, started=0.0)
    trail.add_query("SELECT * FROM gone", 0.001, 0.001, failure="OperationalError")
    assert trail.breadcrumbs()[0]["message"] == "SELECT * FROM gone  -- failed: OperationalError"


def test_the_trail_keeps_only_the_newest() -> None:
    """Past BREADCRUMBS_MAX the oldest breadcrumbs go; the counters still count every query."""
    trail = Trail(3, started=0.0)
    for number in range(10):
        trail.add_query(f"SELECT {number}", float(number), 0.001)
    assert [crumb["message"] for crumb in trail.breadcrumbs()] == ["SELECT 7", "SELECT 8",
                                                                   "SELECT 9"]
    assert trail.db_queries == 10


def test_zero_keeps_counters_only() -> None:
    """BREADCRUMBS_MAX 0: no breadcrumbs, but db_queries and db_ms still add up."""
    trail = Trail(0, started=0.0)
    trail.add_query("SELECT 1", 0.0, 0.002)
    assert not trail.keeps_breadcrumbs
    assert trail.breadcrumbs() == [] and (trail.db_queries, trail.db_ms) == (1, 2.0)


def test_long_statements_are_truncated() -> None:
    """A huge statement is cut to MAX_MESSAGE_CHARS with an ellipsis."""
    trail = Trail(5, started=0.0)
    trail.add_query("SELECT " + "x, " * 1000 + "y", 0.0, 0.0)
    message = trail.breadcrumbs()[0]["message"]
    assert len(message) == MAX_MESSAGE_CHARS and message.endswith("…")


def test_below_level_events_join_the_active_trail(trail: Trail) -> None:
    """Inside a request, a debug event at INFO is kept (sensitive keys hidden) and dropped."""
    capture = CaptureBelowLevel(20)
    with pytest.raises(DropEvent):
        capture(None, "debug", {"event": "cache_miss", "key": "user:1", "password": "hunter2"})
    [crumb] = trail.breadcrumbs()
    assert crumb["category"] == "log" and crumb["level"] == "debug"
    assert crumb["message"] == f"cache_miss key=user:1 password={REDACTED}"
    assert "duration_ms" not in crumb


def test_events_at_the_level_pass_untouched(trail: Trail) -> None:
    """An event at or above LOG_LEVEL goes on down the chain and is not a breadcrumb."""
    event = {"event": "post_created", "post_id": 3}
    assert CaptureBelowLevel(20)(None, "info", event) is event
    assert trail.breadcrumbs() == []


def test_below_level_outside_a_request_is_dropped() -> None:
    """Without an active trail (CLI, start-up) a below-level event is simply dropped."""
    assert active_trail() is None
    with pytest.raises(DropEvent):
        CaptureBelowLevel(30)(None, "info", {"event": "seeded"})


def test_the_redactor_reaches_inside_the_breadcrumbs() -> None:
    """A configured secret inside a breadcrumb message is scrubbed like any other text."""
    trail = Trail(5, started=0.0)
    trail.add_query("SELECT * FROM t WHERE k = 'sekrit-value'", 0.0, 0.0)
    event = Redactor(["sekrit-value"])(None, "error", {"event": "x",
                                                      "breadcrumbs": trail.breadcrumbs()})
    assert event["breadcrumbs"][0]["message"].endswith(f"k = '{REDACTED}'")
