"""The log files on disk: which exist, oldest first, and their lines read in big binary chunks.

Search speed comes from never touching a line in Python unless it may match: files are read in
chunks of whole lines, and callers look for candidate bytes in a chunk with C-speed `bytes`
methods before they split or parse anything.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

LOG_NAME = "microblog.log"
CHUNK_SIZE = 1 << 20  # 1 MiB: big enough to amortise Python overhead, small enough for L2/L3
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
        with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
            yield unzipped  # type: ignore[misc]


def read_chunks(stream: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Blocks of whole lines (each ends with a newline except maybe the file's last one)."""
    # A gzip stream's read1 hands over each decompressed piece as it comes, so a file cut short
    # still gives up everything before the damage (read(n) would drop the last partial piece).
    read = getattr(stream, "read1", stream.read)
    pending = b""
    while True:
        try:
            block = read(chunk_size)
        except (EOFError, OSError, zlib.error) as error:  # gzip: truncated or corrupt stream
            if pending:
                yield pending
            raise UnreadableLogError(str(error) or type(error).__name__) from error
        if not block:
            if pending:
                yield pending
            return
        cut = block.rfind(b"\n")
        if cut < 0:  # a line longer than a chunk: keep collecting it
            pending += block
            continue
        yield pending + block[: cut + 1] if pending else block[: cut + 1]
        pending = block[cut + 1 :]


def parse_timestamp(text: str | bytes) -> datetime | None:
    """The aware datetime of a log timestamp (`2024-05-01T12:00:00.123Z`), None when malformed."""
    if isinstance(text, bytes):
        text = text.decode("ascii", "replace")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def first_timestamp(chunk: bytes) -> datetime | None:
    """The time of the first line of a chunk that carries one."""
    match = _TIMESTAMP.search(chunk, 0, chunk.find(b"\n") + 1 or len(chunk))
    return parse_timestamp(match[1]) if match else None


def last_timestamp(chunk: bytes) -> datetime | None:
    """The time of a chunk's last complete line."""
    end = len(chunk) - 1 if chunk.endswith(b"\n") else len(chunk)
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
