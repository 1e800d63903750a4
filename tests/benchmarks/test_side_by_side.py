"""The side-by-side method: workers pinned one per core, and the start-order bias cancelled."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from benchmarks.procs import pin_one_per_core
from benchmarks.servers import FreshPairs, Round, compare_fresh_pairs
from benchmarks.wrk import WrkRun

CORES = sorted(os.sched_getaffinity(0))


def _round(rate: float) -> Round:
    run = WrkRun(requests=round(rate * 10), seconds=10.0, p50_ms=1.0, p99_ms=2.0,
                 non_2xx_3xx=0, socket_errors=0, command="wrk")
    return Round(run=run, cpu_seconds=1.0)


def _pairs(ratios: list[float]) -> FreshPairs:
    """One round per pair, side B at 100 req/s and side A at `ratio` times that."""
    return FreshPairs(pairs=[{"a": [_round(100 * ratio)], "b": [_round(100)]}
                             for ratio in ratios], servers={"a": [], "b": []})


def test_a_bias_of_who_starts_first_cancels_out() -> None:
    """A true 0.96 seen as 0.96 * 0.965 when A starts first and 0.96 / 0.965 when B does."""
    bias = 0.965
    compared, per_pair = compare_fresh_pairs(_pairs([0.96 * bias, 0.96 / bias] * 4), "a", "b")
    assert compared.ratio == pytest.approx(0.96, abs=0.001)
    assert per_pair[0] == pytest.approx(0.96 * bias, abs=0.001)


def test_one_odd_pair_does_not_move_the_figure() -> None:
    """Each start order is summarised by its median: one pair's bad luck is outvoted."""
    compared, _ = compare_fresh_pairs(_pairs([1.0, 1.0, 0.5, 1.0, 1.0, 1.0]), "a", "b")
    assert compared.ratio == pytest.approx(1.0)


@pytest.fixture
def process_group() -> Iterator[subprocess.Popen[bytes]]:
    """A leader with two children in a session of its own, as gunicorn and its workers are."""
    script = ("import subprocess, sys, time\n"
              "children = [subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])"
              " for _ in range(2)]\n"
              "print('ready', flush=True)\n"
              "time.sleep(60)\n")
    leader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              start_new_session=True)
    assert leader.stdout is not None and leader.stdout.readline() == b"ready\n"
    yield leader
    os.killpg(leader.pid, 9)
    leader.wait()
    leader.stdout.close()


@pytest.mark.skipif(len(CORES) < 2, reason="pinning to cores in turn needs two of them")
def test_workers_are_pinned_to_the_cores_in_turn(process_group: subprocess.Popen[bytes]) -> None:
    """The group's members other than its leader, each on one core, the cores taken in turn."""
    workers = pin_one_per_core(process_group.pid)
    assert len(workers) == 2 and process_group.pid not in workers
    assert [os.sched_getaffinity(pid) for pid in workers] == [{CORES[0]}, {CORES[1]}]
    assert os.sched_getaffinity(process_group.pid) == set(CORES)  # the leader is left alone
