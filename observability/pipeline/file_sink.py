"""A rotating log file that several processes (gunicorn workers) can share without losing lines.

`logging.handlers.RotatingFileHandler` lets each process rotate on its own, renaming the file
under the others' feet: lines land in files that are then overwritten or deleted. Here:

- each line is ONE `os.write` on an `O_APPEND` descriptor, which Linux serialises: no tearing;
- after a write, `lseek(fd, 0, SEEK_CUR)` is the file's end: the size check needs no `stat`;
- a full file is rotated under an `flock` on the hidden `.<file>.lock`, after re-checking that
  no other process rotated it first; a generation counter in that file (`mmap`ed by every
  process) is bumped, and every process compares it before each write and reopens on change;
- a file moved or deleted from outside is noticed by a `stat` every `reopen_check_seconds`;
- after `fork`, the child reopens everything (an `flock` is shared with the parent otherwise);
- a short write (full disk) leaves part of a line: the file's inode is noted in the lock file,
  and the next write of any process starts with a newline, so the fragment stays one invalid
  line and the next record a whole one;
- a failing file (full disk, read-only, folder gone) costs one stderr line a minute with the
  count of lost lines (`write_failures.py`), not a traceback per record; every record retries.

`backup_count == 0` deletes a full file (with any line in flight); `max_bytes == 0` never
rotates. The guarantees, limits and measurements are in docs/log-file.md.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import mmap
import os
import struct
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

from observability.pipeline.write_failures import WriteFailures

_GENERATION = struct.Struct("<Q")  # the lock file's first 8 bytes: the rotation counter
# The next 8: the inode of a log file that ends in a torn line (0: none). Written by whoever
# wrote short, so every process (not only that one) ends the fragment before its next line.
_TORN_INODE = struct.Struct("<Q")
_TORN_OFFSET = _GENERATION.size
_SHARED_SIZE = _TORN_OFFSET + _TORN_INODE.size
_OPEN_FLAGS = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
_FILE_MODE = 0o644

_live_handlers: weakref.WeakSet[SafeRotatingFileHandler] = weakref.WeakSet()
_fork_hook_lock = threading.Lock()
_fork_hook_installed = False


def _reopen_all_after_fork() -> None:
    """In a forked child, give every live handler its own file descriptions."""
    for handler in list(_live_handlers):
        handler._after_fork()


def _install_fork_hook() -> None:
    """Register the after-fork hook once per interpreter, on first use (not at import)."""
    global _fork_hook_installed  # a once-per-process flag is the point
    with _fork_hook_lock:
        if not _fork_hook_installed:
            os.register_at_fork(after_in_child=_reopen_all_after_fork)
            _fork_hook_installed = True


class SafeRotatingFileHandler(logging.Handler):
    """A size-rotating file handler that any number of processes may share."""

    def __init__(
        self,
        path: Path | str,
        max_bytes: int,
        backup_count: int,
        *,
        reopen_check_seconds: float = 1.0,
    ) -> None:
        super().__init__()
        if max_bytes < 0 or backup_count < 0:
            raise ValueError("max_bytes and backup_count must be >= 0")
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backup_count = backup_count
        self.reopen_check_seconds = reopen_check_seconds
        self._fd = -1
        self._lock_fd = -1
        self._shared: mmap.mmap | None = None
        self._generation = 0
        self._identity: tuple[int, int] = (0, 0)
        self._next_identity_check = 0.0
        self._closed = False
        self.write_failures = WriteFailures(f"the log file {self.path}")
        try:
            self._open_lock_file()
            self._open_log_file()
        except BaseException:
            self._release()
            raise
        _install_fork_hook()
        _live_handlers.add(self)

    # -- writing -------------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        """Append one formatted record as one line, in one `os.write`."""
        try:
            data = (self.format(record) + "\n").encode("utf-8")
            self._write(data)
        except Exception:
            self.handleError(record)

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """A line the file refused (full disk, read-only): counted, reported once a minute.

        Anything else (a formatter's bug, say) keeps the stdlib's traceback: it is ours to fix.
        """
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            self._report(self.write_failures.line_lost(error))
        else:
            super().handleError(record)

    @staticmethod
    def _report(message: str | None) -> None:
        """One line on stderr (gunicorn's error log), if there is something to say and a stderr."""
        stream = sys.stderr
        if message is None or stream is None:
            return
        with contextlib.suppress(OSError, ValueError):  # stderr on the same full disk, or closed
            stream.write(message + "\n")
            stream.flush()

    def _write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError(f"write to closed log file {self.path}")
        shared = self._shared
        if shared is None or self._fd < 0:
            self._follow_moved_file()  # an earlier reopen failed (full disk, no folder): retry
            shared = self._shared
            assert shared is not None
        if _GENERATION.unpack_from(shared, 0)[0] != self._generation:
            self._open_log_file()
        elif time.monotonic() >= self._next_identity_check:
            self._reopen_if_moved()
        shared = self._shared  # a reopen above may have mapped a new lock file
        assert shared is not None
        if _TORN_INODE.unpack_from(shared, _TORN_OFFSET)[0]:
            self._append_after_torn_line(data)
        else:
            self._append(data)
        if self.write_failures.pending:  # the line is in: a fault may have cleared
            self._report(self.write_failures.line_written())
        if self.max_bytes and os.lseek(self._fd, 0, os.SEEK_CUR) >= self.max_bytes:
            self._rotate()

    def _append(self, data: bytes) -> None:
        """One `os.write`; the rest of a short write is retried, and if it fails, noted as torn."""
        written = os.write(self._fd, data)
        if written < len(data):  # regular files only write short when the disk is full
            try:
                while written < len(data):
                    step = os.write(self._fd, memoryview(data)[written:])
                    if step == 0:
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    written += step
            except OSError:
                assert self._shared is not None
                _TORN_INODE.pack_into(self._shared, _TORN_OFFSET, self._identity[1])
                raise

    def _append_after_torn_line(self, data: bytes) -> None:
        """End the torn line first, in the same write; under the lock, so only one process does."""
        assert self._shared is not None
        with self._exclusive():
            torn = _TORN_INODE.unpack_from(self._shared, _TORN_OFFSET)[0]
            # Rotated or replaced meanwhile: the fragment ends another file, ours starts clean.
            self._append(b"\n" + data if torn == self._identity[1] else data)
            # Reached only when the whole line went in (a short write noted the inode and raised).
            _TORN_INODE.pack_into(self._shared, _TORN_OFFSET, 0)

    # -- rotation ------------------------------------------------------------------------

    def _rotate(self) -> None:
        """Rotate under the cross-process lock unless another process already did."""
        with self._exclusive():
            current = self._path_identity_and_size()
            if current is not None and current[0] == self._identity:
                if current[1] >= self.max_bytes:
                    self._shift_backups()
                    self._bump_generation()
                self._open_log_file()
                return
        # Another process rotated first, or the file was moved away: follow the path, after
        # releasing the lock (following may replace the lock file itself).
        self._follow_moved_file()

    def _shift_backups(self) -> None:
        """`.N-1 -> .N`, …, `file -> .1`; with no backups, the file is removed."""
        if self.backup_count == 0:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return
        # Shift only up to the first missing backup: a young log with a large backup_count
        # costs a few renames per rotation, not backup_count failed ones.
        shifted = 0
        while shifted < self.backup_count - 1 and self._backup(shifted + 1).exists():
            shifted += 1
        for index in range(shifted, 0, -1):
            with contextlib.suppress(FileNotFoundError):  # an operator may be pruning too
                os.replace(self._backup(index), self._backup(index + 1))
        with contextlib.suppress(FileNotFoundError):  # removed meanwhile by an operator
            os.replace(self.path, self._backup(1))

    def _backup(self, index: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{index}")

    # -- the shared lock file and generation ---------------------------------------------

    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @property
    def lock_path(self) -> Path:
        """The sidecar that serialises rotations and holds the shared generation counter.

        Hidden, so `microblog.log*` (jq, the log search) and `logs/*` (logrotate, rm) never
        touch it: truncating a file that is mapped into memory would crash its readers.
        """
        return self.path.with_name(f".{self.path.name}.lock")

    def _open_lock_file(self) -> None:
        self._close_lock_file()
        self.path.parent.mkdir(parents=True, exist_ok=True)  # the directory may have been removed
        self._lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _FILE_MODE)
        if os.fstat(self._lock_fd).st_size < _SHARED_SIZE:
            with self._exclusive():  # two first-comers must not both zero a live counter
                size = os.fstat(self._lock_fd).st_size
                if size < _SHARED_SIZE:
                    # Zeros written, not a hole (ftruncate): a hole is allocated by the first
                    # store through the mapping, and on a full disk that store is a SIGBUS.
                    os.pwrite(self._lock_fd, bytes(_SHARED_SIZE - size), size)
        self._shared = mmap.mmap(self._lock_fd, _SHARED_SIZE, mmap.MAP_SHARED)

    def _shared_generation(self) -> int:
        assert self._shared is not None
        return int(_GENERATION.unpack_from(self._shared, 0)[0])

    def _bump_generation(self) -> None:
        assert self._shared is not None
        _GENERATION.pack_into(self._shared, 0, self._shared_generation() + 1)

    # -- opening and identity ------------------------------------------------------------

    def _open_log_file(self) -> None:
        """(Re)open the path, recording the generation read BEFORE opening (never newer)."""
        generation = self._shared_generation()
        fd = os.open(self.path, _OPEN_FLAGS, _FILE_MODE)
        old, self._fd = self._fd, fd
        if old >= 0:
            os.close(old)
        stat = os.fstat(fd)
        self._identity = (stat.st_dev, stat.st_ino)
        self._generation = generation
        self._next_identity_check = time.monotonic() + self.reopen_check_seconds

    def _path_identity_and_size(self) -> tuple[tuple[int, int], int] | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (stat.st_dev, stat.st_ino), stat.st_size

    def _reopen_if_moved(self) -> None:
        """Follow the path when someone else moved or deleted the file we write."""
        current = self._path_identity_and_size()
        if current is None or current[0] != self._identity:
            self._follow_moved_file()
        else:
            self._next_identity_check = time.monotonic() + self.reopen_check_seconds

    def _follow_moved_file(self) -> None:
        """Reopen the path; if the lock file went too (`rm -r logs/`), share the new one."""
        try:
            same_lock = os.stat(self.lock_path).st_ino == os.fstat(self._lock_fd).st_ino
        except OSError:  # gone, or our descriptor is (a failed reopen)
            same_lock = False
        if not same_lock or self._shared is None:
            self._open_lock_file()
        self._open_log_file()

    def _after_fork(self) -> None:
        """Child side of fork: new file descriptions, so `flock` excludes the parent too."""
        if self._closed:
            return
        try:
            self._open_lock_file()
            self._open_log_file()
        except OSError:
            # No exception may escape a fork hook; the next write retries and reports.
            self._release()

    def close(self) -> None:
        """Release the file, the lock file and the shared mapping."""
        with self.lock if self.lock else contextlib.nullcontext():
            _live_handlers.discard(self)
            self._closed = True
            self._release()
        super().close()

    def _release(self) -> None:
        self._close_lock_file()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def _close_lock_file(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path} ({logging.getLevelName(self.level)})>"
