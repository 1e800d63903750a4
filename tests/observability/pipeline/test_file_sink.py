"""SafeRotatingFileHandler in one process: line format, rotation naming, limits, external moves."""

from __future__ import annotations

import glob
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from observability.pipeline.file_sink import SafeRotatingFileHandler

HandlerFactory = Callable[..., SafeRotatingFileHandler]


def _record(message: str) -> logging.LogRecord:
    return logging.makeLogRecord({"msg": message, "levelno": logging.INFO, "levelname": "INFO"})


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "logs" / "microblog.log"


@pytest.fixture
def make_handler(log_path: Path) -> Iterator[HandlerFactory]:
    """Build handlers on `log_path` and close them all after the test."""
    made: list[SafeRotatingFileHandler] = []

    def factory(**kwargs: float) -> SafeRotatingFileHandler:
        handler = SafeRotatingFileHandler(log_path, **kwargs)  # type: ignore[arg-type]
        made.append(handler)
        return handler

    yield factory
    for handler in made:
        handler.close()


def test_only_log_files_match_the_log_glob(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """A shell's `microblog.log*` or `*` (jq, logrotate, rm) matches log files, never the lock."""
    handler = make_handler(max_bytes=5, backup_count=2)
    handler.handle(_record("rotate me"))
    for pattern in ("microblog.log*", "*"):
        matched = glob.glob(str(log_path.parent / pattern))  # shell rules: hidden files skipped
        assert sorted(Path(name).name for name in matched) == ["microblog.log", "microblog.log.1"]


def test_each_record_is_one_utf8_line(make_handler: HandlerFactory, log_path: Path) -> None:
    """A record becomes its formatted text plus a newline, UTF-8 encoded, in a created folder."""
    handler = make_handler(max_bytes=0, backup_count=3)
    handler.handle(_record("héllo ✓"))
    handler.handle(_record("second"))
    assert log_path.read_bytes() == "héllo ✓\nsecond\n".encode()


def test_rotates_to_numbered_backups_newest_first(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """Past max_bytes the file becomes .1, the older .1 becomes .2, and a fresh file starts."""
    handler = make_handler(max_bytes=10, backup_count=5)
    for message in ("line-0000", "line-0001", "line-0002", "line-0003"):
        handler.handle(_record(message))
    assert _lines(log_path.with_name("microblog.log.1")) == ["line-0003"]
    assert _lines(log_path.with_name("microblog.log.3")) == ["line-0001"]
    assert _lines(log_path.with_name("microblog.log.4")) == ["line-0000"]
    assert log_path.read_text() == ""


def test_keeps_at_most_backup_count_files(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """The oldest backup beyond backup_count is deleted, never a newer one."""
    handler = make_handler(max_bytes=1, backup_count=2)
    for number in range(6):
        handler.handle(_record(f"n{number}"))
    names = sorted(p.name for p in log_path.parent.iterdir())
    assert names == [".microblog.log.lock", "microblog.log", "microblog.log.1", "microblog.log.2"]
    assert _lines(log_path.with_name("microblog.log.1")) == ["n5"]
    assert _lines(log_path.with_name("microblog.log.2")) == ["n4"]


def test_zero_backups_discards_the_full_file(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """With backup_count 0 a full file is dropped and a new one begins: no .1 ever exists."""
    handler = make_handler(max_bytes=12, backup_count=0)
    for message in ("aaaaaa", "bbbbbb", "cccccc"):
        handler.handle(_record(message))
    assert _lines(log_path) == ["cccccc"]
    assert not log_path.with_name("microblog.log.1").exists()


def test_zero_max_bytes_never_rotates(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """max_bytes 0 means one ever-growing file, as with the stdlib handler."""
    handler = make_handler(max_bytes=0, backup_count=2)
    for number in range(200):
        handler.handle(_record(f"record {number}"))
    assert len(_lines(log_path)) == 200
    assert not log_path.with_name("microblog.log.1").exists()


def test_a_line_longer_than_max_bytes_stays_whole(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """An oversized record is written whole and then rotated away, never split."""
    handler = make_handler(max_bytes=100, backup_count=3)
    big = "x" * 5000
    handler.handle(_record(big))
    handler.handle(_record("after"))
    assert _lines(log_path.with_name("microblog.log.1")) == [big]
    assert _lines(log_path) == ["after"]


def test_two_handlers_on_one_file_rotate_once(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """A second writer that finds the file already rotated follows it instead of rotating again."""
    first = make_handler(max_bytes=20, backup_count=5)
    second = make_handler(max_bytes=20, backup_count=5)
    first.handle(_record("a" * 25))  # first rotates: its line is in .1
    second.handle(_record("b"))  # second sees the new generation and writes to the new file
    assert _lines(log_path.with_name("microblog.log.1")) == ["a" * 25]
    assert _lines(log_path) == ["b"]
    assert not log_path.with_name("microblog.log.2").exists()


def test_follows_a_file_removed_from_outside(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """After an operator deletes the file, the next check recreates it and writes there."""
    handler = make_handler(max_bytes=0, backup_count=1, reopen_check_seconds=0)
    handler.handle(_record("before"))
    log_path.unlink()
    handler.handle(_record("after"))
    assert _lines(log_path) == ["after"]


def test_follows_a_file_moved_by_logrotate(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """A file renamed away (logrotate's default) gets no more lines once the move is noticed."""
    handler = make_handler(max_bytes=0, backup_count=1, reopen_check_seconds=0)
    handler.handle(_record("old"))
    moved = log_path.with_name("microblog.log-20240101")
    log_path.rename(moved)
    handler.handle(_record("new"))
    assert _lines(moved) == ["old"]
    assert _lines(log_path) == ["new"]


def test_survives_the_whole_log_folder_being_removed(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """`rm -r logs/` under a running writer: the folder, file and lock file come back."""
    handler = make_handler(max_bytes=50, backup_count=2, reopen_check_seconds=0)
    handler.handle(_record("first"))
    for path in log_path.parent.iterdir():
        path.unlink()
    log_path.parent.rmdir()
    handler.handle(_record("second"))
    assert _lines(log_path) == ["second"]
    assert log_path.with_name(".microblog.log.lock").exists()


def test_write_failure_goes_to_handle_error(make_handler: HandlerFactory) -> None:
    """An OS error while writing is reported through handleError, not raised into the caller."""
    failures: list[logging.LogRecord] = []
    handler = make_handler(max_bytes=0, backup_count=1)
    handler.handleError = failures.append  # type: ignore[method-assign]
    read_only = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(read_only, handler._fd)  # the same descriptor number now refuses writes
    finally:
        os.close(read_only)
    record = _record("lost")
    handler.handle(record)
    assert failures == [record]


def test_writing_resumes_after_the_folder_comes_back(
    make_handler: HandlerFactory, log_path: Path
) -> None:
    """While the log folder cannot exist, records are reported as failed; then writing resumes."""
    failures: list[logging.LogRecord] = []
    handler = make_handler(max_bytes=0, backup_count=1, reopen_check_seconds=0)
    handler.handleError = failures.append  # type: ignore[method-assign]
    shutil.rmtree(log_path.parent)
    log_path.parent.write_text("a file where the folder was")
    lost = _record("lost")
    handler.handle(lost)
    assert failures == [lost]
    log_path.parent.unlink()
    handler.handle(_record("back"))
    assert _lines(log_path) == ["back"]
    assert failures == [lost]


def test_close_releases_every_descriptor(log_path: Path) -> None:
    """close() gives back the log file's, the lock file's and the mapping's descriptors."""
    before = set(os.listdir("/proc/self/fd"))
    handler = SafeRotatingFileHandler(log_path, max_bytes=10, backup_count=1)
    handler.handle(_record("something long enough to rotate"))
    assert set(os.listdir("/proc/self/fd")) - before  # (mmap keeps a duplicate of its own)
    handler.close()
    assert set(os.listdir("/proc/self/fd")) - before == set()


def test_negative_limits_are_refused(log_path: Path) -> None:
    """A negative size or backup count is a configuration mistake, reported at once."""
    with pytest.raises(ValueError, match="must be >= 0"):
        SafeRotatingFileHandler(log_path, max_bytes=-1, backup_count=1)
