"""Each search filter, alone and combined, against the standard story's exact expected events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from observability.search.query import Query, QueryError, parse_time
from observability.search.scan import ScanStats, latest, search
from tests.logs_factory import (
    BOOM1,
    BOOM2,
    CLIENT,
    HOME,
    LOGIN,
    OTHER,
    PROFILE,
    SPLIT,
    STATIC,
    T0,
    LogFile,
    event,
    request,
    stamp,
    write_log_files,
)

FINISHED = "request_finished"
CRASH = "unhandled_exception"


def minute(value: float) -> datetime:
    return T0 + timedelta(minutes=value)


def run(log_dir: Path, query: Query, stats: ScanStats | None = None) -> list[tuple[str, str]]:
    return [(entry.event["event"], entry.event.get("request_id", "-"))
            for entry in search(log_dir, query, stats)]


EVERYTHING = [
    ("app_startup", "-"), (FINISHED, HOME), (CRASH, BOOM1), (FINISHED, BOOM1),
    ("login_failed", LOGIN), (FINISHED, LOGIN), (FINISHED, CLIENT),
    (CRASH, BOOM2), (FINISHED, BOOM2), ("post_created", SPLIT),
    (FINISHED, SPLIT), (CRASH, PROFILE), (FINISHED, PROFILE), ("cache_miss", OTHER),
    (FINISHED, STATIC),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(), EVERYTHING),
        (Query(level="debug"), EVERYTHING),
        (Query(level="info"), [item for item in EVERYTHING if item[0] != "cache_miss"]),
        (Query(level="warning"), [(CRASH, BOOM1), ("login_failed", LOGIN), (CRASH, BOOM2),
                                  (CRASH, PROFILE)]),
        (Query(level="ERROR"), [(CRASH, BOOM1), (CRASH, BOOM2), (CRASH, PROFILE)]),
        (Query(level="critical"), []),
        (Query(event=FINISHED), [(FINISHED, rid) for rid in
                                 (HOME, BOOM1, LOGIN, CLIENT, BOOM2, SPLIT, PROFILE, STATIC)]),
        (Query(event="*_exception"), [(CRASH, BOOM1), (CRASH, BOOM2), (CRASH, PROFILE)]),
        (Query(event="request"), []),  # exact unless it has wildcards
        (Query(user="12"), [(FINISHED, CLIENT), (CRASH, BOOM2), (FINISHED, BOOM2),
                            ("post_created", SPLIT), (FINISHED, SPLIT)]),
        (Query(user="7"), [(FINISHED, HOME), (CRASH, BOOM1), (FINISHED, BOOM1)]),
        (Query(path="/explore"), [(CRASH, BOOM1), (FINISHED, BOOM1), (FINISHED, CLIENT),
                                  (CRASH, BOOM2), (FINISHED, BOOM2)]),
        (Query(path="/user/*"), [(CRASH, PROFILE), (FINISHED, PROFILE)]),
        (Query(path="/static/app.css"), [(FINISHED, STATIC)]),
        (Query(status="500"), [(FINISHED, BOOM1), (FINISHED, BOOM2), (FINISHED, PROFILE)]),
        (Query(status="3xx"), [(FINISHED, SPLIT)]),
        (Query(status="2XX"), [(FINISHED, HOME), (FINISHED, LOGIN), (FINISHED, CLIENT),
                               (FINISHED, STATIC)]),
        (Query(level="error", path="/explore", user="12"), [(CRASH, BOOM2)]),
        (Query(request_id=BOOM1.lower(), event=FINISHED), [(FINISHED, BOOM1)]),
        (Query(since=minute(8), until=minute(11)), [
            (CRASH, BOOM2), (FINISHED, BOOM2), ("post_created", SPLIT), (FINISHED, SPLIT),
            (CRASH, PROFILE),
        ]),
        (Query(since=minute(11.001)), [(FINISHED, PROFILE), ("cache_miss", OTHER),
                                       (FINISHED, STATIC)]),
        (Query(until=minute(1)), [("app_startup", "-"), (FINISHED, HOME)]),
        (Query(event="no_such_event"), []),
    ],
    ids=lambda value: repr(value) if isinstance(value, Query) else "",
)
def test_each_filter_finds_exactly_the_expected_events(
    log_dir: Path, query: Query, expected: list[tuple[str, str]]
) -> None:
    """Every filter (and combination) returns exactly these events, oldest first."""
    assert run(log_dir, query) == expected


def test_a_full_scan_counts_the_corrupt_line(log_dir: Path) -> None:
    """Reading every line meets the truncated one in `.2`: counted, not fatal."""
    stats = ScanStats()
    assert len(run(log_dir, Query(), stats)) == len(EVERYTHING)
    assert stats.corrupt_lines == 1
    assert stats.files == 4


def test_until_skips_files_that_start_after_it(log_dir: Path) -> None:
    """With --until 10:01 only the oldest file is opened for reading."""
    stats = ScanStats()
    run(log_dir, Query(until=minute(1)), stats)
    assert stats.files == 1


def test_since_skips_files_that_ended_before_it(log_dir: Path) -> None:
    """With --since 10:10:30 only the live file and `.1` (which ends at 10:10) are read."""
    stats = ScanStats()
    assert run(log_dir, Query(since=minute(10.5))) == [
        (CRASH, PROFILE), (FINISHED, PROFILE), ("cache_miss", OTHER), (FINISHED, STATIC),
    ]
    run(log_dir, Query(since=minute(10.5)), stats)
    assert stats.files == 2


def _big_file(tmp_path: Path, corrupt_at_start: bool) -> Path:
    """~1.5 MiB of 10:00 events, ~1.5 MiB of 12:00 events, a corrupt line at one end."""
    early = [request(stamp(timedelta(milliseconds=n)), HOME, "GET", "/index", 200, 7)
             for n in range(6000)]
    late = [request(stamp(timedelta(hours=2, milliseconds=n)), STATIC, "GET", "/", 200, 7)
            for n in range(6000)]
    corrupt = (0, b'{"timestamp":') if corrupt_at_start else (12000, b'{"timestamp":')
    return write_log_files(tmp_path, [LogFile("microblog.log", events=early + late,
                                              extra_lines=(corrupt,))])


def test_until_stops_reading_a_file_once_past_it(tmp_path: Path) -> None:
    """Past --until the rest of the file is not parsed: its corrupt last line goes unseen."""
    log_dir = _big_file(tmp_path, corrupt_at_start=False)
    before, after = ScanStats(), ScanStats()
    assert len(list(search(log_dir, Query(until=minute(30)), before))) == 6000
    assert before.corrupt_lines == 0
    assert len(list(search(log_dir, Query(), after))) == 12000
    assert after.corrupt_lines == 1


def test_since_skips_whole_chunks_before_it(tmp_path: Path) -> None:
    """Chunks that end before --since are not parsed: the corrupt first line goes unseen."""
    log_dir = _big_file(tmp_path, corrupt_at_start=True)
    stats = ScanStats()
    assert len(list(search(log_dir, Query(since=minute(90)), stats))) == 6000
    assert stats.corrupt_lines == 0


def test_latest_keeps_the_newest_matches_in_time_order(log_dir: Path) -> None:
    """--limit 2 on errors: the last two errors, oldest of them first."""
    entries = latest(search(log_dir, Query(level="error")), 2)
    assert [entry.event["request_id"] for entry in entries] == [BOOM2, PROFILE]
    assert len(latest(search(log_dir, Query(level="error")), None)) == 3


def test_anchors_never_hide_a_match_with_unusual_characters(tmp_path: Path) -> None:
    """Paths with quotes or non-ASCII are matched on the parsed value, not on raw bytes."""
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(stamp(timedelta(0)), HOME, "GET", '/search/"quoted"', 200, 7),
        request(stamp(timedelta(seconds=1)), HOME, "GET", "/user/zoë", 200, 7),
        event(stamp(timedelta(seconds=2)), "info", "café_opened", HOME),
    ])])
    assert len(run(tmp_path, Query(path='/search/"quoted"'))) == 1
    assert len(run(tmp_path, Query(path="/user/zoë"))) == 1
    assert len(run(tmp_path, Query(event="café_*"))) == 1


NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", NOW - timedelta(minutes=15)),
        ("2h", NOW - timedelta(hours=2)),
        ("7d", NOW - timedelta(days=7)),
        ("1w", NOW - timedelta(weeks=1)),
        ("30s", NOW - timedelta(seconds=30)),
        (" 15M ", NOW - timedelta(minutes=15)),
        ("2024-05-01T10:02:00Z", datetime(2024, 5, 1, 10, 2, tzinfo=UTC)),
        ("2024-05-01T10:02:00.250Z", datetime(2024, 5, 1, 10, 2, 0, 250000, tzinfo=UTC)),
        ("2024-05-01T12:02:00+02:00", datetime(2024, 5, 1, 10, 2, tzinfo=UTC)),
        ("2024-05-01 10:02", datetime(2024, 5, 1, 10, 2, tzinfo=UTC)),  # naive means UTC
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
    ],
)
def test_parse_time_reads_ages_and_iso_8601(text: str, expected: datetime) -> None:
    """Relative ages count back from now; ISO times without a zone are UTC."""
    assert parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["yesterday", "15x", "-5m", "m15", "", "2024-13-01"])
def test_parse_time_refuses_anything_else(text: str) -> None:
    """A clear error names the accepted forms."""
    with pytest.raises(QueryError, match="ISO-8601"):
        parse_time(text, now=NOW)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"level": "verbose"}, "unknown level"),
        ({"status": "600"}, "status"),
        ({"status": "50"}, "status"),
        ({"status": "5x"}, "status"),
        ({"status": "abc"}, "status"),
        ({"since": minute(5), "until": minute(1)}, "since is later than until"),
        ({"since": datetime(2024, 5, 1)}, "timezone-aware"),  # naive on purpose
    ],
)
def test_queries_that_cannot_work_are_refused(fields: dict, message: str) -> None:  # type: ignore[type-arg]
    """Bad levels, statuses and time windows fail up front with a message."""
    with pytest.raises(QueryError, match=message):
        Query(**fields)
