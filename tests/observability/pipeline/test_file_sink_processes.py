"""SafeRotatingFileHandler shared by real forked processes: nothing lost, torn or duplicated."""

from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
import os
from collections import Counter
from pathlib import Path

import pytest

from observability.pipeline.file_sink import SafeRotatingFileHandler

WRITERS = 4
LINES_PER_WRITER = 1500
MAX_BYTES = 4096
BACKUPS = 10_000  # enough that no file is deleted: every line must still be somewhere
FORK = multiprocessing.get_context("fork")


def _write_lines(path: Path, writer: int, count: int, padding: int) -> None:
    """One writer process: its own handler, `count` JSON lines tagged with its number."""
    handler = SafeRotatingFileHandler(path, max_bytes=MAX_BYTES, backup_count=BACKUPS)
    try:
        for number in range(count):
            pad = "é" * (number * 37 % padding)  # 2 bytes each: multi-byte text crosses limits
            text = json.dumps({"writer": writer, "n": number, "pad": pad}, ensure_ascii=False)
            handler.handle(logging.makeLogRecord({"msg": text}))
    finally:
        handler.close()


def _run_writers(path: Path, count: int, padding: int) -> None:
    processes = [
        FORK.Process(target=_write_lines, args=(path, writer, count, padding))
        for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0


def _log_files(path: Path) -> dict[int, Path]:
    """The live file as 0 and each backup under its number."""
    files = {0: path} if path.exists() else {}
    for candidate in path.parent.glob(path.name + ".*"):
        suffix = candidate.name.removeprefix(path.name + ".")
        if suffix.isdigit():
            files[int(suffix)] = candidate
    return files


@pytest.mark.parametrize(
    ("count", "padding"), [(LINES_PER_WRITER, 1), (200, 4000)], ids=["short", "up-to-8kb"]
)
def test_concurrent_writers_lose_and_tear_nothing(tmp_path: Path, count: int, padding: int) -> None:
    """Four processes rotating one tiny file: every line arrives exactly once and parses."""
    path = tmp_path / "microblog.log"
    _run_writers(path, count, padding)

    files = _log_files(path)
    seen: Counter[tuple[int, int]] = Counter()
    for file in files.values():
        for line in file.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)  # a torn or interleaved line would not parse
            seen[(record["writer"], record["n"])] += 1
    expected = {(w, n) for w in range(WRITERS) for n in range(count)}
    assert set(seen) == expected
    assert max(seen.values()) == 1
    assert sorted(files) == list(range(len(files)))  # .1 … .N with no gaps
    assert len(files) > 10  # it really rotated, many times


def test_rotation_is_not_repeated_by_racing_writers(tmp_path: Path) -> None:
    """Each backup was full when rotated (no double rotation), and none grew far past the limit."""
    path = tmp_path / "microblog.log"
    _run_writers(path, LINES_PER_WRITER, padding=1)
    longest_line = 80
    files = _log_files(path)
    backups = [files[number] for number in sorted(files) if number > 0]
    assert backups
    for backup in backups:
        size = backup.stat().st_size
        assert size >= MAX_BYTES
        # A writer adds at most one more line to a full file before it leaves it.
        assert size < MAX_BYTES + 2 * WRITERS * longest_line
    assert path.stat().st_size < MAX_BYTES


def test_backup_count_is_respected_under_concurrency(tmp_path: Path) -> None:
    """With few backups kept, racing writers never leave a file numbered past the limit."""
    path = tmp_path / "microblog.log"
    processes = [
        FORK.Process(target=_write_limited, args=(path, writer)) for writer in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert sorted(_log_files(path)) == [0, 1, 2, 3]
    for file in _log_files(path).values():
        for line in file.read_text(encoding="utf-8").splitlines():
            assert json.loads(line)["writer"] in range(WRITERS)


def _write_limited(path: Path, writer: int) -> None:
    handler = SafeRotatingFileHandler(path, max_bytes=2048, backup_count=3)
    try:
        for number in range(1000):
            text = json.dumps({"writer": writer, "n": number})
            handler.handle(logging.makeLogRecord({"msg": text}))
    finally:
        handler.close()


def _child_after_fork(handler: SafeRotatingFileHandler, result: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """In the child: try the lock the parent holds, then log through the inherited handler."""
    try:
        fcntl.flock(handler._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result.put("lock taken: the child shares the parent's lock")
    except BlockingIOError:
        result.put("excluded")
    handler.handle(logging.makeLogRecord({"msg": f"child {os.getpid()}"}))


def test_forked_child_reopens_and_is_excluded_by_the_parents_lock(tmp_path: Path) -> None:
    """A handler inherited over fork (gunicorn --preload) gets its own lock and still writes."""
    path = tmp_path / "microblog.log"
    handler = SafeRotatingFileHandler(path, max_bytes=0, backup_count=1)
    try:
        handler.handle(logging.makeLogRecord({"msg": "parent before fork"}))
        result: multiprocessing.Queue[str] = FORK.Queue()
        with handler._exclusive():  # the parent is in the middle of a rotation
            child = FORK.Process(target=_child_after_fork, args=(handler, result))
            child.start()
            verdict = result.get(timeout=60)
        child.join(timeout=60)
        handler.handle(logging.makeLogRecord({"msg": "parent after fork"}))
    finally:
        handler.close()
    assert verdict == "excluded"
    assert child.exitcode == 0
    lines = path.read_text().splitlines()
    assert lines == ["parent before fork", f"child {child.pid}", "parent after fork"]
