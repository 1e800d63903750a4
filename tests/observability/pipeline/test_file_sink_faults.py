"""SafeRotatingFileHandler on a real full, read-only or vanished file system.

A 64 KiB tmpfs is mounted for the full-disk tests, a loop-mounted ext4 image that turns
read-only on error for the read-only test (root only; skipped with the reason where mounting is
not allowed). What must hold: a short write stays one invalid line that
the log readers skip and count, the next record is a whole line, every process ends the fragment
(not only the one that wrote it), stderr gets one line per minute instead of a traceback per
record, and writing resumes by itself once the fault clears.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from observability.pipeline.file_sink import SafeRotatingFileHandler
from observability.pipeline.write_failures import WriteFailures
from observability.search.query import Query
from observability.search.scan import ScanStats, search

DISK_SIZE = "64k"
FILLER_BYTES = 40 * 1024  # taken before the test and freed to end the "disk full" fault


class Clock:
    """A monotonic clock the test moves by hand (the report interval is a minute)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KiB tmpfs of our own, unmounted after the test."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (to fill a real file system)")
    mounted = _mount("-t", "tmpfs", "-o", f"size={DISK_SIZE}", "tmpfs", str(mount_point))
    if mounted.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not allowed here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


HandlerFactory = Callable[[Path], SafeRotatingFileHandler]


@pytest.fixture
def make_handler(small_disk: Path) -> Iterator[HandlerFactory]:
    """Handlers with a hand-moved report clock, closed before the disk is unmounted."""
    made: list[SafeRotatingFileHandler] = []

    def factory(path: Path) -> SafeRotatingFileHandler:
        handler = SafeRotatingFileHandler(path, max_bytes=0, backup_count=1)
        handler.write_failures = WriteFailures(f"the log file {path}", clock=Clock())
        made.append(handler)
        return handler

    yield factory
    for handler in made:
        handler.close()


def _log(handler: SafeRotatingFileHandler, number: int) -> None:
    """One JSON line of ~300 bytes, as the app writes them (a timestamp, so readers accept it)."""
    text = json.dumps({"timestamp": "2024-05-01T10:00:00.000Z", "level": "info",
                       "event": "filler", "n": number, "pad": "x" * 250})
    handler.handle(logging.makeLogRecord({"msg": text}))


def _fill(path: Path) -> None:
    with path.open("wb") as filler:
        filler.write(b"\0" * FILLER_BYTES)


def _log_until_full(handler: SafeRotatingFileHandler, start: int = 0) -> int:
    """Log until a line is lost; the number of the first lost line."""
    for number in range(start, start + 1000):
        _log(handler, number)
        if handler.write_failures.failing:
            return number
    raise AssertionError("the small disk never filled")


def _split(path: Path) -> tuple[list[dict[str, object]], list[bytes]]:
    """(parsed lines, lines that are no JSON) of a log file; blank lines are neither."""
    good: list[dict[str, object]] = []
    bad: list[bytes] = []
    for line in path.read_bytes().split(b"\n"):
        if not line:
            continue
        try:
            good.append(json.loads(line))
        except ValueError:
            bad.append(line)
    return good, bad


def test_a_short_write_stays_one_invalid_line_and_the_next_is_whole(
    small_disk: Path, make_handler: HandlerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """Disk full mid-line: one fragment line, readers skip and count it, later records parse."""
    _fill(small_disk / "filler")
    log_path = small_disk / "microblog.log"
    handler = make_handler(log_path)
    first_lost = _log_until_full(handler)
    for number in range(first_lost + 1, first_lost + 200):  # the disk stays full
        _log(handler, number)
    (small_disk / "filler").unlink()
    for number in range(10_000, 10_005):
        _log(handler, number)

    good, bad = _split(log_path)
    assert len(bad) == 1 and bad[0].startswith(b'{"timestamp"')  # the fragment, on its own
    assert [line["n"] for line in good] == [*range(first_lost), *range(10_000, 10_005)]
    assert not log_path.read_bytes().startswith(b"\n") and b"\n\n" not in log_path.read_bytes()
    stats = ScanStats()
    found = [entry.event["n"] for entry in search(small_disk, Query(), stats)]
    assert found == [line["n"] for line in good]
    assert stats.corrupt_lines == 1

    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    assert errors.count("\n") == 1  # 200 lost records, one line within the minute
    assert f"cannot write the log file {log_path}: [Errno 28] No space left on device" in errors
    assert "1 line lost since " in errors


def test_another_process_ends_the_fragment_before_its_own_line(
    small_disk: Path, make_handler: HandlerFactory
) -> None:
    """A second writer (own descriptors, as a gunicorn worker has) starts with a fresh line."""
    _fill(small_disk / "filler")
    log_path = small_disk / "microblog.log"
    torn_by, other = make_handler(log_path), make_handler(log_path)
    first_lost = _log_until_full(torn_by)
    (small_disk / "filler").unlink()
    _log(other, 10_000)
    _log(torn_by, 10_001)

    good, bad = _split(log_path)
    assert len(bad) == 1
    assert [line["n"] for line in good][-3:] == [first_lost - 1, 10_000, 10_001]
    assert b"\n\n" not in log_path.read_bytes()  # the fragment was ended once, not twice


def test_a_full_disk_reports_the_count_and_the_recovery(
    small_disk: Path, make_handler: HandlerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    """A minute later the report counts the lines lost since; then recovery is said, once."""
    _fill(small_disk / "filler")
    handler = make_handler(small_disk / "microblog.log")
    clock = Clock()
    handler.write_failures = WriteFailures("the log file", clock=clock)
    first_lost = _log_until_full(handler)
    for number in range(first_lost + 1, first_lost + 30):
        _log(handler, number)
    clock.now += 60
    _log(handler, 5000)
    (small_disk / "filler").unlink()
    _log(handler, 5001)  # written, but the minute is not over
    clock.now += 60
    _log(handler, 5002)
    _log(handler, 5003)

    reports = capsys.readouterr().err.splitlines()
    assert len(reports) == 3
    assert "1 line lost since" in reports[0]
    assert "30 lines lost since" in reports[1] and "No space left on device" in reports[1]
    assert reports[2].startswith("microblog: the log file is writable again; no line lost since")


@pytest.fixture
def failing_ext4(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(mount point, ext4 sysfs folder) of a loop-mounted ext4 that turns read-only on error."""
    if os.geteuid() != 0:
        pytest.skip("loop-mounting an ext4 image needs root")
    if shutil.which("mkfs.ext4") is None:
        pytest.skip("mkfs.ext4 is missing (Debian's e2fsprogs, installed by make system-deps)")
    image, mount_point = tmp_path / "ext4.img", tmp_path / "ext4"
    mount_point.mkdir()
    with image.open("wb") as file:
        file.truncate(4 * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", str(image)], check=True)
    mounted = _mount("-o", "loop,errors=remount-ro", str(image), str(mount_point))
    if mounted.returncode != 0:
        pytest.skip(f"loop-mounting an image is not allowed here: {mounted.stderr.strip()}")
    try:
        source = subprocess.run(["findmnt", "-n", "-o", "SOURCE", str(mount_point)],
                                capture_output=True, text=True, check=True).stdout.strip()
        yield mount_point, Path("/sys/fs/ext4") / Path(source).name
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False)


def test_a_read_only_file_system_loses_lines_quietly_and_recovers(
    failing_ext4: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """ext4 read-only after an error: one report; a fresh volume in its place: writing resumes."""
    mount_point, sysfs = failing_ext4
    log_path = mount_point / "logs" / "microblog.log"
    handler = SafeRotatingFileHandler(log_path, max_bytes=0, backup_count=1,
                                      reopen_check_seconds=0)
    try:
        _log(handler, 1)
        # The kernel's own reaction to a file-system error, as a failing disk would cause it.
        (sysfs / "trigger_fs_error").write_text("microblog test\n")
        for number in range(2, 102):
            _log(handler, number)
        errors = capsys.readouterr().err
        # The operator's fix: the volume is replaced (unmounted; here the empty folder below).
        subprocess.run(["umount", "--lazy", str(mount_point)], check=True)
        _log(handler, 102)
    finally:
        handler.close()

    assert "Traceback" not in errors
    assert errors.count("\n") == 1 and "[Errno 30] Read-only file system" in errors
    good, bad = _split(log_path)
    assert [line["n"] for line in good] == [102] and bad == []


def test_a_vanished_folder_is_reported_once_with_the_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file where the log folder was: one report, then the count and recovery a minute on."""
    log_path = tmp_path / "logs" / "microblog.log"
    handler = SafeRotatingFileHandler(log_path, max_bytes=0, backup_count=1,
                                      reopen_check_seconds=0)
    clock = Clock()
    handler.write_failures = WriteFailures("the log file", clock=clock)
    try:
        os.unlink(log_path)
        os.unlink(handler.lock_path)
        log_path.parent.rmdir()
        log_path.parent.write_text("a file where the folder was")
        for number in range(100):
            _log(handler, number)
        log_path.parent.unlink()
        clock.now += 60
        _log(handler, 100)
    finally:
        handler.close()
    good, _bad = _split(log_path)
    assert [line["n"] for line in good] == [100]
    reports = capsys.readouterr().err.splitlines()
    assert len(reports) == 2
    assert reports[0].startswith("microblog: cannot write the log file: ")
    assert reports[1].startswith("microblog: the log file is writable again; 99 lines lost since ")
