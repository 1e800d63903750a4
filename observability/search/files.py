"""The log files on disk: which exist, oldest first, and their lines read in big binary blocks.

Search speed comes from never touching a line in Python unless it may match: files are read in
blocks of whole lines into one reused buffer, and callers look for candidate bytes in a block
with C-speed `bytearray` methods before they split or parse anything.
"""

from __future__ import annotations

import contextlib
import os
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

LOG_NAME = "microblog.log"
# 256 KiB: big enough to amortise Python overhead, small enough that a block and its folded
# copy stay in a core's L2 cache (larger blocks measured slower: benchmarks/history.md).
BLOCK_SIZE = 1 << 18
_GZIP_MAGIC = b"\x1f\x8b"
_FIRST_LINE_LIMIT = 1 << 16
_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"([^"\\]{1,64})"')


class UnreadableLogError(Exception):
    """A log file that ends early or is not what its name says (e.g. a truncated .gz)."""


def log_files(log_dir: Path | str, name: str = LOG_NAME) -> list[Path]:
    """The live file and its rotations by name: `.N` (oldest) … `.1`, then the live file.

    `.N` and `.N.gz` may both exist (logrotate mid-compression, or an operator's gzip next to
    the app's own rotation); both are listed, the compressed one first, and searches order
    files by their first timestamp anyway.
    """
    rotated = re.compile(re.escape(name) + r"\.(\d+)(\.gz)?")
    found: list[tuple[int, bool, Path]] = []
    try:
        entries = list(os.scandir(log_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    for entry in entries:
        match = rotated.fullmatch(entry.name)
        if match is not None and entry.is_file():
            found.append((int(match[1]), not match[2], Path(entry.path)))
    ordered = [path for _number, _plain, path in sorted(found, key=lambda f: (-f[0], f[1]))]
    live = Path(log_dir) / name
    if live.is_file():
        ordered.append(live)
    return ordered


@contextlib.contextmanager
def open_log(path: Path) -> Iterator[BinaryIO]:
    """Open a log file for binary reading, decompressing it when it is gzip (by content)."""
    with path.open("rb", buffering=0) as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            yield raw
            return
        import gzip  # here, not above: most searches meet no compressed file

        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped  # type: ignore[misc]


def read_blocks(stream: BinaryIO, block_size: int = BLOCK_SIZE) -> Iterator[tuple[bytearray, int]]:
    """`(buffer, end)` pairs: `buffer[:end]` is whole lines, `buffer[end:]` the next line's start.

    One buffer is refilled in place, because copying each block costs more than searching it
    (fresh large allocations page-fault). So a block is valid only until the next one is read:
    search it, and slice out what you keep. The file's last line may lack its newline; a line
    longer than the buffer grows the buffer.
    """
    # A gzip stream's readinto1 hands over each decompressed piece as it comes, so a file cut
    # short still gives up everything before the damage (readinto would drop the last piece).
    # (typing.BinaryIO leaves readinto out, but FileIO and GzipFile both have it.)
    readinto = getattr(stream, "readinto1", None) or stream.readinto  # type: ignore[attr-defined]
    buffer = bytearray(block_size)
    filled = 0
    while True:
        error: Exception | None = None
        with memoryview(buffer) as view:
            try:
                while filled < len(buffer) and (count := readinto(view[filled:])):
                    filled += count
            except (EOFError, OSError, zlib.error) as caught:  # gzip: truncated or corrupt
                error = caught
        if error is not None or filled < len(buffer):  # the end of what can be read
            del buffer[filled:]  # so no stale bytes follow the last line
            if filled:
                yield buffer, filled
            if error is not None:
                raise UnreadableLogError(str(error) or type(error).__name__) from error
            return
        end = buffer.rfind(b"\n") + 1
        if not end:  # a line longer than the buffer: keep collecting it
            buffer.extend(bytes(len(buffer)))
            continue
        yield buffer, end
        buffer[: filled - end] = buffer[end:filled]
        filled -= end


def parse_timestamp(text: str | bytes) -> datetime | None:
    """The aware datetime of a log timestamp (`2024-05-01T12:00:00.123Z`), None when malformed."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def first_timestamp(chunk: bytes | bytearray, end: int | None = None) -> datetime | None:
    """The time of the first line of a chunk (or of `chunk[:end]`), if it carries one."""
    end = len(chunk) if end is None else end
    match = _TIMESTAMP.search(chunk, 0, chunk.find(b"\n", 0, end) + 1 or end)
    return parse_timestamp(match[1]) if match else None


def last_timestamp(chunk: bytes | bytearray, end: int | None = None) -> datetime | None:
    """The time of the last complete line of a chunk (or of `chunk[:end]`)."""
    end = len(chunk) if end is None else end
    if chunk.endswith(b"\n", 0, end):
        end -= 1
    start = chunk.rfind(b"\n", 0, end) + 1
    match = _TIMESTAMP.search(chunk, start, end)
    return parse_timestamp(match[1]) if match else None


def stream_start_time(stream: BinaryIO) -> datetime | None:
    """When a file's first event happened; reads one line (even of a .gz) and rewinds."""
    try:
        head = stream.read1(_FIRST_LINE_LIMIT) if hasattr(stream, "read1") else stream.read(
            _FIRST_LINE_LIMIT
        )
    except (OSError, EOFError, zlib.error):  # a damaged .gz: the full read reports it later
        head = b""
    finally:
        stream.seek(0)
    return first_timestamp(head)
