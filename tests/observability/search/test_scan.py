"""Finding a request's events in rotated, gzip-compressed and damaged log files, by any spelling."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import pytest

from observability.search.files import log_files
from observability.search.query import Query, QueryError
from observability.search.scan import ScanStats, find_request, search
from tests.logs_factory import (
    BOOM1,
    CLIENT,
    HOME,
    LOGIN,
    OTHER,
    PROFILE,
    SPLIT,
    T0,
    LogFile,
    at,
    encode,
    event,
    request,
    write_log_files,
)


def story(entries: list) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    return [(entry.event["event"], entry.event.get("request_id")) for entry in entries]


def test_log_files_lists_rotations_oldest_first_and_the_live_file_last(log_dir: Path) -> None:
    """`.3.gz`, `.2`, `.1`, then `microblog.log`; unrelated names are ignored."""
    (log_dir / "microblog.log.lock").write_bytes(b"")
    (log_dir / "microblog.log.bak").write_bytes(b"")
    (log_dir / "other.log.1").write_bytes(b"")
    names = [path.name for path in log_files(log_dir)]
    assert names == ["microblog.log.3.gz", "microblog.log.2", "microblog.log.1", "microblog.log"]


def test_log_files_lists_both_a_plain_and_a_gzip_file_of_one_number(tmp_path: Path) -> None:
    """`.2` and `.2.gz` can both exist (mid-compression, or a hand-made .gz): both are read."""
    for name in ("microblog.log.2", "microblog.log.2.gz", "microblog.log.10.gz"):
        (tmp_path / name).write_bytes(b"")
    names = [path.name for path in log_files(tmp_path)]
    assert names == ["microblog.log.10.gz", "microblog.log.2.gz", "microblog.log.2"]


def test_files_are_searched_in_time_order_whatever_their_names(tmp_path: Path) -> None:
    """A stale `.1.gz` (gzipped by hand long ago) holds the oldest events: read first."""
    write_log_files(tmp_path, [
        LogFile("microblog.log.3", events=[request(at(60), HOME, "GET", "/a", 200, 7)]),
        LogFile("microblog.log.1.gz", compressed=True,
                events=[request(at(0), HOME, "GET", "/stale", 200, 7)]),
        LogFile("microblog.log.1", events=[request(at(90), HOME, "GET", "/b", 200, 7)]),
        LogFile("microblog.log", events=[request(at(105), HOME, "GET", "/c", 200, 7)]),
    ])
    assert [entry.event["path"] for entry in search(tmp_path, Query())] == [
        "/stale", "/a", "/b", "/c",
    ]
    stats = ScanStats()
    recent = search(tmp_path, Query(since=T0 + timedelta(minutes=80)), stats)
    assert [entry.event["path"] for entry in recent] == ["/b", "/c"]
    assert stats.files == 3  # `.3` may hold events up to where `.1` begins; `.1.gz` cannot


def test_log_files_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    """No log folder yet (a fresh install) means no files, not a crash."""
    assert log_files(tmp_path / "nowhere") == []


@pytest.mark.parametrize(
    ("quoted", "expected_id"),
    [
        (BOOM1, BOOM1),  # exactly as logged
        ("0b1zx-4k1p0-rt9wm", BOOM1),  # lower case
        ("0B1ZX4K1P0RT9WM", BOOM1),  # dashes lost
        ("ob1zx4kip0rt9wm", BOOM1),  # read over the phone: O for 0, I for 1, no dashes
        ("OBLZX 4KLPO RT9WM", BOOM1),  # L for 1, spaces for dashes
        ("0rd12lab", CLIENT),  # a client's own ID, logged as "ord-12-lab"
        ("ORD-I2-1AB", CLIENT),
    ],
)
def test_find_request_accepts_every_spelling_of_an_id(
    log_dir: Path, quoted: str, expected_id: str
) -> None:
    """Case, dashes, spaces and O/0, I/L/1 confusions all name the same request."""
    entries = find_request(log_dir, quoted)
    assert entries
    assert {entry.event["request_id"] for entry in entries} == {expected_id}


def test_find_request_returns_the_whole_story_in_time_order_from_a_gzip_file(
    log_dir: Path,
) -> None:
    """BOOM1 lives in the compressed `.3.gz`: the exception, then the 500."""
    entries = find_request(log_dir, "ob1zx4kip0rt9wm")
    assert story(entries) == [("unhandled_exception", BOOM1), ("request_finished", BOOM1)]
    assert entries[0].event["exception"][0]["exc_type"] == "ZeroDivisionError"
    assert entries[0].raw.startswith(b'{"timestamp":"2024-05-01T10:02:00.000Z"')


def test_find_request_follows_a_request_across_a_rotation(log_dir: Path) -> None:
    """SPLIT started in `.1` and finished in the live file: both events, oldest first."""
    entries = find_request(log_dir, SPLIT.lower())
    assert story(entries) == [("post_created", SPLIT), ("request_finished", SPLIT)]
    assert [entry.time for entry in entries] == sorted(entry.time for entry in entries)


def test_find_request_ignores_other_fields_that_hold_the_id(log_dir: Path) -> None:
    """OTHER's cache_miss has HOME's ID in `key`: it is not part of HOME's story."""
    assert story(find_request(log_dir, HOME)) == [("request_finished", HOME)]
    assert story(find_request(log_dir, OTHER)) == [("cache_miss", OTHER)]


def test_find_request_orders_by_time_even_when_a_file_is_out_of_order(tmp_path: Path) -> None:
    """Two workers can append slightly out of order; the story is still told in time order."""
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(at(1.002), HOME, "GET", "/index", 200, 7),
        event(at(1.001), "info", "cache_miss", HOME, user_id=7),
    ])])
    assert story(find_request(tmp_path, HOME)) == [
        ("cache_miss", HOME), ("request_finished", HOME),
    ]


def test_a_corrupt_line_is_skipped_and_counted(log_dir: Path) -> None:
    """LOGIN's truncated line is counted, and LOGIN's whole events are still found."""
    stats = ScanStats()
    entries = find_request(log_dir, LOGIN, stats)
    assert story(entries) == [("login_failed", LOGIN), ("request_finished", LOGIN)]
    assert stats.corrupt_lines == 1
    assert stats.files == 4


@pytest.mark.parametrize(
    "garbage",
    [
        b'{"timestamp": cut here "' + PROFILE.encode() + b'"',
        b'["a list", "' + PROFILE.encode() + b'"]',
        b'{"level":"info","request_id":"' + PROFILE.encode() + b'"}',  # no timestamp
        b'{"timestamp":"yesterday","request_id":"' + PROFILE.encode() + b'"}',
        b'{"timestamp":"2024-05-01T10:11:00.500Z","request_id":"' + PROFILE.encode()
        + b'","bad":"\xff\xfe"}',  # invalid UTF-8
    ],
)
def test_lines_that_are_not_timed_json_objects_are_counted_not_fatal(
    tmp_path: Path, garbage: bytes
) -> None:
    """Anything but a JSON object with a timestamp is corrupt: skipped and counted."""
    valid = request(at(11), PROFILE, "GET", "/user/susan", 500, 3)
    write_log_files(tmp_path, [LogFile("microblog.log", events=[valid],
                                       extra_lines=((0, garbage),))])
    stats = ScanStats()
    assert story(find_request(tmp_path, PROFILE, stats)) == [("request_finished", PROFILE)]
    assert stats.corrupt_lines == 1


def test_a_truncated_gzip_file_yields_what_it_has_and_is_reported(tmp_path: Path) -> None:
    """A .gz cut short (disk full, copy aborted) is read up to the damage, then reported."""
    lines = [request(at(minute), HOME, "GET", "/index", 200, 7) for minute in range(3)]
    data = b"".join(encode(line) + b"\n" for line in lines)
    compressed = gzip.compress(data * 200)
    (tmp_path / "microblog.log.1.gz").write_bytes(compressed[: len(compressed) // 2])
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(at(5), HOME, "GET", "/index", 200, 7),
    ])])
    stats = ScanStats()
    entries = find_request(tmp_path, HOME, stats)
    assert len(entries) > 1  # the readable half of the .gz plus the live file's line
    assert entries[-1].event["timestamp"] == at(5)
    assert len(stats.unreadable_files) == 1
    assert stats.unreadable_files[0].startswith("microblog.log.1.gz: ")


def test_a_final_line_without_newline_is_still_read(tmp_path: Path) -> None:
    """The live file may end mid-write; a complete last line without its newline counts."""
    line = encode(request(at(1), HOME, "GET", "/index", 200, 7))
    (tmp_path / "microblog.log").write_bytes(line)
    assert story(find_request(tmp_path, HOME)) == [("request_finished", HOME)]


def test_lines_longer_than_a_chunk_are_found_whole(tmp_path: Path) -> None:
    """A 3 MiB event (a huge traceback) spans several read chunks and is still one line."""
    big = event(at(1), "info", "big", HOME, user_id=7, payload="x" * (3 << 20))
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(at(0.5), HOME, "GET", "/index", 200, 7), big,
        request(at(2), HOME, "GET", "/index", 200, 7),
    ])])
    entries = find_request(tmp_path, HOME)
    assert [entry.event["event"] for entry in entries] == [
        "request_finished", "big", "request_finished",
    ]
    assert len(entries[1].event["payload"]) == 3 << 20


def test_a_missing_log_folder_finds_nothing(tmp_path: Path) -> None:
    """No files: an empty result, no error."""
    stats = ScanStats()
    assert find_request(tmp_path / "nowhere", HOME, stats) == []
    assert stats.files == 0


@pytest.mark.parametrize("quoted", ["", "   ", "abc/def", "<script>", "x" * 129])
def test_text_that_cannot_be_a_request_id_is_refused(quoted: str) -> None:
    """Empty, slashes, markup or over-long: a clear error instead of a silent empty search."""
    with pytest.raises(QueryError, match="not a request ID"):
        Query(request_id=quoted)


def test_search_streams_lazily(log_dir: Path) -> None:
    """`search` is a generator: it yields the first match without reading every file first."""
    results = search(log_dir, Query(event="app_startup"))
    first = next(results)
    assert first.event["event"] == "app_startup"
    results.close()  # closing releases every file it opened
