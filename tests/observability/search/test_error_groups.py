"""Errors grouped by fingerprint: what broke, where, how often, when, and for which requests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from observability.search.error_groups import LATEST_IDS, group_errors, recent_errors
from observability.search.scan import LogEntry, ScanStats
from tests.logs_factory import (
    BOOM1,
    BOOM2,
    PROFILE,
    T0,
    crash,
    stamp,
    zero_division,
)


def entry(minutes: float, request_id: str) -> LogEntry:
    record = crash(stamp(timedelta(minutes=minutes)), request_id, "/explore", 1, zero_division())
    return LogEntry(time=T0 + timedelta(minutes=minutes), event=record, raw=b"")


def test_recent_errors_groups_the_story_newest_first(log_dir: Path) -> None:
    """Two ZeroDivisionErrors at one place are one group; the newer RuntimeError comes first."""
    groups = [group.as_dict() for group in recent_errors(log_dir)]
    assert [{key: group[key] for key in group if key != "fingerprint"} for group in groups] == [
        {
            "kind": "RuntimeError", "place": "app.main.profiles:user", "count": 1,
            "first_seen": "2024-05-01T10:11:00.000Z", "last_seen": "2024-05-01T10:11:00.000Z",
            "message": "profile failed", "latest_request_ids": [PROFILE],
        },
        {
            "kind": "ZeroDivisionError", "place": "app.main.routes:explore", "count": 2,
            "first_seen": "2024-05-01T10:02:00.000Z", "last_seen": "2024-05-01T10:08:00.000Z",
            "message": "division by zero", "latest_request_ids": [BOOM2, BOOM1],
        },
    ]
    assert len({group["fingerprint"] for group in groups}) == 2


def test_recent_errors_honours_since(log_dir: Path) -> None:
    """From 10:05 on, only BOOM2 remains of the ZeroDivisionErrors."""
    groups = recent_errors(log_dir, since=T0 + timedelta(minutes=5))
    counts = {group.kind: (group.count, group.latest_request_ids) for group in groups}
    assert counts == {"RuntimeError": (1, [PROFILE]), "ZeroDivisionError": (1, [BOOM2])}


def test_recent_errors_of_a_quiet_window_is_empty(log_dir: Path) -> None:
    """No error after 10:12: no groups (and the CLI exits 1)."""
    stats = ScanStats()
    assert recent_errors(log_dir, since=T0 + timedelta(minutes=12), stats=stats) == []


def test_group_errors_uses_the_logged_fingerprint_and_computes_a_missing_one() -> None:
    """Old lines without `fingerprint` join the group of new lines with the same error."""
    with_fingerprint, without = entry(1, BOOM1), entry(2, BOOM2)
    del without.event["fingerprint"]
    groups = group_errors([with_fingerprint, without])
    assert len(groups) == 1
    assert groups[0].count == 2
    assert groups[0].fingerprint == with_fingerprint.event["fingerprint"]


def test_group_errors_tracks_first_and_last_seen_in_any_order() -> None:
    """Entries may arrive out of order (several sources): the bounds are still right."""
    groups = group_errors([entry(5, "B"), entry(1, "A"), entry(9, "C")])
    assert groups[0].first_seen == T0 + timedelta(minutes=1)
    assert groups[0].last_seen == T0 + timedelta(minutes=9)


def test_group_errors_keeps_the_latest_distinct_request_ids() -> None:
    """A retried request appears once; only the newest few IDs are kept, newest first."""
    ids = ["R1", "R2", "R1", "R3", "R4", "R5", "R6", "R7"]
    groups = group_errors([entry(minute, rid) for minute, rid in enumerate(ids)])
    assert groups[0].latest_request_ids == ["R7", "R6", "R5", "R4", "R3"][:LATEST_IDS]
    assert groups[0].count == len(ids)


def test_error_groups_are_json_ready() -> None:
    """`as_dict` holds only JSON types (times as ISO-8601 strings)."""
    summary = group_errors([entry(1, BOOM1)])[0].as_dict()
    assert summary["first_seen"] == "2024-05-01T10:01:00.000Z"
    assert not any(isinstance(value, datetime) for value in summary.values())
