"""Share independent pieces of work (log files) among forked processes, results in input order.

grep is single-threaded; a request's search reads every file, so on a machine with more than
one core the files are dealt out to forked copies of this process, this one included. Forked
children inherit the open files, so a rotation during the search cannot shift names under them
(each file is read by one process only, so no two share a file offset). Results come back over
a pipe as `marshal` data (builtin: no import cost, and both ends are this same interpreter).

Sharing only pays for itself beyond some bytes (`MIN_SHARED_BYTES`, measured in
docs/triage.md), and a child that fails in any way costs only time: its pieces are then done
here, by the same function, so the result never depends on how the work was shared.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable, Sequence
from typing import Any

# Below this many bytes in total a fork (children included) costs more than the second core
# saves: see docs/triage.md, "The parallel scan".
MIN_SHARED_BYTES = 8 * 1024 * 1024


def available_cpus() -> int:
    """The cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def deal(weights: Sequence[int], shares: int) -> list[list[int]]:
    """Indices dealt into `shares` groups of nearly equal weight, heaviest first."""
    groups: list[list[int]] = [[] for _ in range(shares)]
    loads = [0] * shares
    for index in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lightest = loads.index(min(loads))
        groups[lightest].append(index)
        loads[lightest] += weights[index]
    return [sorted(group) for group in groups]


def map_shared(
    work: Callable[[int], Any], weights: Sequence[int], processes: int
) -> list[Any]:
    """`[work(0), work(1), …]`, computed by up to `processes` processes (forks of this one).

    `work(i)` must return `marshal`-able data and may only read what piece `i` owns. With one
    process, one piece, or fewer than `MIN_SHARED_BYTES` in all, everything runs here.
    """
    shares = min(processes, len(weights))
    if shares < 2 or sum(weights) < MIN_SHARED_BYTES:
        return [work(index) for index in range(len(weights))]
    own, *others = deal(weights, shares)
    results: dict[int, Any] = {}
    children: list[tuple[int, int, list[int]]] = []  # (pid, read end, indices)
    try:
        for indices in others:
            children.append(_fork(work, indices))
        results.update((index, work(index)) for index in own)
        while children:
            results.update(_collect(*children[0]))
            children.pop(0)
    finally:
        for pid, reader, _indices in children:  # interrupted: stop and reap the rest
            import signal  # only on this path: importing it slows every start-up

            with contextlib.suppress(OSError):
                os.close(reader)
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    for index in range(len(weights)):  # a child that failed: its share is done here
        if index not in results:
            results[index] = work(index)
    return [results[index] for index in range(len(weights))]


def _fork(work: Callable[[int], Any], indices: list[int]) -> tuple[int, int, list[int]]:
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without running any exit handler
        status = 1
        try:
            os.close(reader)
            payload = marshal.dumps({index: work(index) for index in indices})
            with os.fdopen(writer, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(writer)
    return pid, reader, indices


def _collect(pid: int, reader: int, indices: list[int]) -> dict[int, Any]:
    """A child's results, or {} when it failed (its share is then redone by the caller)."""
    with os.fdopen(reader, "rb") as pipe:
        payload = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return {}
    try:
        results = marshal.loads(payload)  # noqa: S302  (written by our own forked child)
    except (EOFError, ValueError, TypeError):
        return {}
    return results if isinstance(results, dict) and sorted(results) == indices else {}
