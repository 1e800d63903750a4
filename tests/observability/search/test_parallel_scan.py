"""The parallel scan: files shared among forked processes give exactly the sequential answer."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.loglines import generate
from observability.search import parallel_scan
from observability.search.parallel_scan import deal, map_shared
from observability.search.scan import LogEntry, ScanStats, find_request
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
    LogFile,
    at,
    encode,
    request,
    write_log_files,
    write_standard_logs,
)

STORY_IDS = (HOME, BOOM1, LOGIN, CLIENT, BOOM2, SPLIT, PROFILE, OTHER, STATIC, "ob1zx 4kip0 rt9wm")


@pytest.fixture
def always_shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Share the work however small the files (the real threshold is for speed, not behaviour)."""
    monkeypatch.setattr(parallel_scan, "MIN_SHARED_BYTES", 0)
    yield


def answer(log_dir: Path, request_id: str, processes: int) -> tuple[list[LogEntry], ScanStats]:
    stats = ScanStats()
    return find_request(log_dir, request_id, stats, processes=processes), stats


def damaged_story(log_dir: Path) -> Path:
    """The standard story plus a truncated .gz of HOME's requests (an unreadable file)."""
    write_standard_logs(log_dir)
    lines = [request(at(0.5 + n / 100), HOME, "GET", "/index", 200, 7) for n in range(3)]
    compressed = gzip.compress(b"".join(encode(line) + b"\n" for line in lines) * 200)
    (log_dir / "microblog.log.4.gz").write_bytes(compressed[: len(compressed) // 2])
    return log_dir


@pytest.mark.usefixtures("always_shared")
@pytest.mark.parametrize("processes", [2, 3, 8])
@pytest.mark.parametrize("request_id", STORY_IDS)
def test_shared_scan_equals_the_sequential_one_on_the_story(
    tmp_path: Path, request_id: str, processes: int
) -> None:
    """Same entries, same order, same corrupt-line count and unreadable files, any sharing."""
    log_dir = damaged_story(tmp_path / "logs")
    sequential, sequential_stats = answer(log_dir, request_id, 1)
    shared, shared_stats = answer(log_dir, request_id, processes)
    assert sequential  # every ID of the story has events
    assert shared == sequential
    assert shared_stats == sequential_stats


@pytest.mark.usefixtures("always_shared")
def test_shared_scan_reports_damage_like_the_sequential_one(tmp_path: Path) -> None:
    """The truncated .gz is named and the corrupt line counted, whichever process read them."""
    _entries, stats = answer(damaged_story(tmp_path / "logs"), LOGIN, 2)
    assert stats.files == 5
    assert stats.corrupt_lines == 1
    assert [problem.split(":")[0] for problem in stats.unreadable_files] == ["microblog.log.4.gz"]


def test_shared_scan_equals_the_sequential_one_on_the_benchmark_corpus(tmp_path: Path) -> None:
    """On the benchmark's generated logs (12 MB, rotated), over the real threshold: same answer."""
    needle = generate(tmp_path, megabytes=12)
    assert sum(path.stat().st_size for path in tmp_path.glob("microblog.log*")) > (
        parallel_scan.MIN_SHARED_BYTES)
    sequential = find_request(tmp_path, needle.lower().replace("-", ""), processes=1)
    events = [entry.event["event"] for entry in sequential]
    assert len(events) == 3 and events[1:] == ["unhandled_exception", "request_finished"]
    assert find_request(tmp_path, needle, processes=2) == sequential


def test_an_id_that_is_only_the_start_of_a_logged_one_finds_nothing(tmp_path: Path) -> None:
    """The closing quote is part of the match: `ABC` is not `ABCD`'s prefix, in any spelling."""
    write_log_files(tmp_path, [LogFile("microblog.log", events=[
        request(at(1), "ABCDE-FGHJK", "GET", "/index", 200, 7),
        request(at(2), "abcde", "GET", "/index", 200, 7),
    ])])
    assert [entry.event["request_id"] for entry in find_request(tmp_path, "ABCDE")] == ["abcde"]
    assert find_request(tmp_path, "ABCD") == []


def test_work_is_shared_among_processes_in_input_order() -> None:
    """Enough bytes and processes: other processes compute some pieces; results keep their order."""
    results = map_shared(lambda index: (index, os.getpid()),
                         [parallel_scan.MIN_SHARED_BYTES] * 4, processes=2)
    assert [index for index, _pid in results] == [0, 1, 2, 3]
    assert {pid for _index, pid in results} - {os.getpid()}


def test_small_work_stays_in_this_process() -> None:
    """Below the threshold, or with one process, no fork is worth its cost."""
    small = map_shared(lambda index: os.getpid(), [1000] * 4, processes=2)
    single = map_shared(lambda index: os.getpid(), [parallel_scan.MIN_SHARED_BYTES] * 4,
                        processes=1)
    assert set(small) == set(single) == {os.getpid()}


def test_a_failing_process_costs_only_time() -> None:
    """Work that fails in a child is redone here, so the answer never depends on the sharing."""
    parent = os.getpid()

    def work(index: int) -> int:
        if os.getpid() != parent:
            raise RuntimeError("a child that breaks")
        return index * 10

    assert map_shared(work, [parallel_scan.MIN_SHARED_BYTES] * 3, processes=3) == [0, 10, 20]


def test_deal_balances_the_weights() -> None:
    """Heaviest first, each to the lightest share: 9+1 | 5+4+1, every index exactly once."""
    groups = deal([5, 9, 1, 4, 1], 2)
    assert sorted(index for group in groups for index in group) == [0, 1, 2, 3, 4]
    assert sorted(sum([5, 9, 1, 4, 1][index] for index in group) for group in groups) == [10, 10]
