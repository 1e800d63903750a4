"""Streaming search over the JSON log files: by request ID in any spelling, by filters, by time.

Memory stays constant: files are read in blocks and matches are yielded as they are found.
Only lines that contain the bytes a match needs are split out and parsed (orjson). For a
request ID the block is folded the way `normalize_request_id` folds an ID (upper case, O→0,
I/L→1, dashes dropped) with one `bytearray.translate`, so every logged spelling is found at C
speed (docs/triage.md says why no cheaper prefilter can be exact). `find_request` may share the
files among forked processes (`observability.search.parallel_scan`), with the same result.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from io import FileIO
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from observability.request_id import CONFUSABLES
from observability.search.files import (
    UnreadableLogError,
    first_timestamp,
    last_timestamp,
    log_files,
    open_log,
    parse_timestamp,
    read_blocks,
    stream_start_time,
)
from observability.search.parallel_scan import map_shared
from observability.search.query import Query

# Several workers append to one file, so a line may be a little older than the one before it;
# time-based skipping only trusts file order beyond this margin.
ORDER_SLACK = timedelta(seconds=60)

# `normalize_request_id` as a byte table: ASCII letters upper-cased, the confusable ones read as
# their digits (O as 0, I and L as 1), every other byte unchanged.
_FOLD_TABLE = bytes(
    ord(CONFUSABLES.get(chr(byte).upper(), chr(byte).upper()))
    if chr(byte).isascii() and chr(byte).isalpha() else byte
    for byte in range(256)
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One parsed log line: its time, its fields, and the line exactly as written."""

    time: datetime
    event: dict[str, Any]
    raw: bytes


@dataclass
class ScanStats:
    """What a search ran into, for the summary on stderr."""

    files: int = 0
    corrupt_lines: int = 0
    unreadable_files: list[str] = field(default_factory=list)


def search(
    log_dir: Path | str, query: Query, stats: ScanStats | None = None
) -> Iterator[LogEntry]:
    """Matching events oldest first, file by file (`.N` … `.1`, live), never all in memory."""
    stats = stats if stats is not None else ScanStats()
    with _opened(log_dir) as opened:
        for path, stream in _in_time_window(opened, query):
            stats.files += 1
            yield from _scan_file(path, stream, query, stats)


def find_request(
    log_dir: Path | str, quoted_id: str, stats: ScanStats | None = None, *, processes: int = 1
) -> list[LogEntry]:
    """Every event of one request, in time order, from an ID as a person quoted it.

    With `processes` > 1, the files are shared among that many forked processes when they are
    big enough to pay for it (`observability.search.parallel_scan`); the result is the same.
    """
    query = Query(request_id=quoted_id)
    stats = stats if stats is not None else ScanStats()
    with _opened(log_dir) as opened:
        files = _in_time_window(opened, query)

        def in_file(index: int) -> tuple[list[bytes], int, list[str]]:
            """One file's matching lines, corrupt-line count and problems (marshal-able)."""
            path, stream = files[index]
            found = ScanStats()
            return [entry.raw for entry in _scan_file(path, stream, query, found)], (
                found.corrupt_lines), found.unreadable_files

        per_file = map_shared(in_file, [_size(stream) for _path, stream in files], processes)
    stats.files += len(files)
    entries: list[LogEntry] = []
    for lines, corrupt_lines, problems in per_file:
        stats.corrupt_lines += corrupt_lines
        stats.unreadable_files += problems
        entries += [_reparse(line) for line in lines]
    return sorted(entries, key=lambda e: e.time)


def latest(entries: Iterable[LogEntry], limit: int | None) -> Sequence[LogEntry]:
    """The newest `limit` entries (all when None), oldest first, holding only `limit` at once."""
    return deque(entries, maxlen=limit)


@contextmanager
def _opened(log_dir: Path | str) -> Iterator[list[tuple[Path, BinaryIO]]]:
    """Every log file, opened up front so a rotation mid-search cannot shift names under us."""
    with ExitStack() as stack:
        opened: list[tuple[Path, BinaryIO]] = []
        for path in log_files(log_dir):
            try:
                opened.append((path, stack.enter_context(open_log(path))))
            except FileNotFoundError:  # rotated away between listing and opening
                continue
        yield opened


def _size(stream: BinaryIO) -> int:
    """Bytes on disk (compressed ones count 4x: decompressing costs about 3 scans), for sharing."""
    size = os.fstat(stream.fileno()).st_size
    return size if isinstance(stream, FileIO) else size * 4


def _in_time_window(
    opened: list[tuple[Path, BinaryIO]], query: Query
) -> list[tuple[Path, BinaryIO]]:
    """The files in time order (by first line), without those wholly outside the window."""
    starts: list[datetime | None] = []
    for _path, stream in opened:  # a file without a readable first line keeps its place
        starts.append(stream_start_time(stream) or (starts[-1] if starts else None))
    by_time = sorted(zip(starts, opened, strict=True),
                     key=lambda pair: pair[0] or datetime.min.replace(tzinfo=UTC))
    kept: list[tuple[Path, BinaryIO]] = []
    for start, (path, stream) in reversed(by_time):  # newest first
        if start is not None and query.until is not None and start > query.until + ORDER_SLACK:
            continue
        kept.append((path, stream))
        if start is not None and query.since is not None and start < query.since - ORDER_SLACK:
            break  # every older file ended before this one began
    return kept[::-1]


def _scan_file(
    path: Path, stream: BinaryIO, query: Query, stats: ScanStats
) -> Iterator[LogEntry]:
    """Matches in one file; a file that cannot be read to its end is noted in `stats`."""
    try:
        yield from _scan(stream, query, stats)
    except UnreadableLogError as error:
        stats.unreadable_files.append(f"{path.name}: {error}")


def _scan(stream: BinaryIO, query: Query, stats: ScanStats) -> Iterator[LogEntry]:
    """Matches in one file; stops at the first block that starts past --until."""
    folded_id = query.folded_request_id
    needle = None if folded_id is None else b'"' + folded_id.encode("ascii")
    groups = query.required_bytes()
    anchor, checks = (groups[0], groups[1:]) if needle is None and groups else (None, groups)
    until = None if query.until is None else query.until + ORDER_SLACK
    since = None if query.since is None else query.since - ORDER_SLACK
    for block, end in read_blocks(stream):
        if until is not None and (first := first_timestamp(block, end)) and first > until:
            return
        if since is not None and (last := last_timestamp(block, end)) and last < since:
            continue
        if needle is not None:
            lines = _lines_with_folded(block, end, needle)
        elif anchor is not None:
            lines = _lines_with_any(block, end, anchor)
        else:
            lines = _whole_lines(block, end)
        for line in lines:
            if checks and not all(any(part in line for part in group) for group in checks):
                continue
            entry = _parse(line, stats)
            if entry is not None and query.matches(entry.event, entry.time):
                yield entry


def _whole_lines(block: bytearray, end: int) -> list[bytearray]:
    """The lines of `block[:end]` (copies: the block's buffer is reused)."""
    lines = block.split(b"\n")
    if end < len(block):
        lines.pop()  # the start of a line the next block completes
    return lines


def _lines_with_folded(block: bytearray, end: int, opening: bytes) -> list[bytearray]:
    """Lines of `block[:end]` whose folded form holds `opening` + `"` (`"` + a folded ID + `"`)."""
    folded = block.translate(_FOLD_TABLE, b"-")
    tail = len(block) - end  # part of the next line; its dashes are gone from `folded` too
    folded_end = len(folded) - (tail - block.count(b"-", end))
    # The closing quote is checked after `find`, not searched for: as the needle's last byte
    # it would stop the search at every quote of every line (a slower `find`).
    after = len(opening)
    position = folded.find(opening, 0, folded_end)
    lines: list[bytearray] = []
    found: list[bytearray] = []
    line_number = counted_to = 0
    while position >= 0:
        if not folded.startswith(b'"', position + after, folded_end):
            position = folded.find(opening, position + 1, folded_end)
            continue
        # Deleting dashes moved offsets; line numbers still agree.
        lines = lines or _whole_lines(block, end)
        line_number += folded.count(b"\n", counted_to, position)
        counted_to = position
        found.append(lines[line_number])
        line_end = folded.find(b"\n", position, folded_end)
        if line_end < 0:
            break
        position = folded.find(opening, line_end + 1, folded_end)
    return found


def _lines_with_any(block: bytearray, end: int, needles: tuple[bytes, ...]) -> list[bytearray]:
    """Lines of `block[:end]` holding at least one of `needles`, in file order, each once."""
    spans: dict[int, int] = {}
    for needle in needles:
        position = block.find(needle, 0, end)
        while position >= 0:
            start = block.rfind(b"\n", 0, position) + 1
            stop = block.find(b"\n", position, end)
            stop = end if stop < 0 else stop
            spans[start] = stop
            position = block.find(needle, stop, end)
    return [block[start : spans[start]] for start in sorted(spans)]


def _parse(line: bytes | bytearray, stats: ScanStats) -> LogEntry | None:
    """The entry for a line; None (and counted) when it is not a whole, timed JSON object."""
    if not line.strip():
        return None
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        stats.corrupt_lines += 1
        return None
    stamp = event.get("timestamp") if isinstance(event, dict) else None
    when = parse_timestamp(stamp) if isinstance(stamp, str) else None
    if when is None:
        stats.corrupt_lines += 1
        return None
    return LogEntry(time=when, event=event, raw=bytes(line.rstrip(b"\r")))


def _reparse(raw: bytes) -> LogEntry:
    """The entry of a line `_parse` already accepted (results of other processes come as bytes)."""
    entry = _parse(raw, ScanStats())
    if entry is None:  # pragma: no cover  (the same bytes parsed a moment ago)
        raise ValueError(f"a matched line no longer parses: {raw[:80]!r}")
    return entry
