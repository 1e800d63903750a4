"""Error-email deduplication: one email per fingerprint per window, shared across processes."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from observability.mail.throttle import (
    MAX_REMEMBERED_KEYS,
    EmailThrottle,
    MemoryThrottle,
    Verdict,
)


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "memory"])
def throttle_and_clock(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Any, FakeClock]:
    clock = FakeClock()
    if request.param == "sqlite":
        return EmailThrottle(tmp_path / "state", 300, clock=clock), clock
    return MemoryThrottle(300, clock=clock), clock


def test_first_occurrence_sends(throttle_and_clock: tuple[Any, FakeClock]) -> None:
    """A fingerprint never seen before is emailed, with nothing held back."""
    throttle, _clock = throttle_and_clock
    assert throttle.admit("abc") == Verdict(send=True, held_back=0)


def test_repeats_within_the_window_are_held_and_counted(
    throttle_and_clock: tuple[Any, FakeClock],
) -> None:
    """Repeats inside the window send nothing; the next email after it reports them."""
    throttle, clock = throttle_and_clock
    throttle.admit("abc")
    for expected in (1, 2, 3):
        clock.now += 60
        assert throttle.admit("abc") == Verdict(send=False, held_back=expected)
    clock.now += 300
    assert throttle.admit("abc") == Verdict(send=True, held_back=3)
    assert throttle.admit("abc") == Verdict(send=False, held_back=1)


def test_fingerprints_are_independent(throttle_and_clock: tuple[Any, FakeClock]) -> None:
    """A different error is emailed even while another one is being held back."""
    throttle, _clock = throttle_and_clock
    throttle.admit("abc")
    assert throttle.admit("abc").send is False
    assert throttle.admit("def") == Verdict(send=True, held_back=0)


def test_occurrences_that_never_arrived_are_counted(
    throttle_and_clock: tuple[Any, FakeClock],
) -> None:
    """Events dropped before the throttle (full queue) still count as held back."""
    throttle, clock = throttle_and_clock
    assert throttle.admit("abc", also_held=5) == Verdict(send=True, held_back=5)
    assert throttle.admit("abc", also_held=2) == Verdict(send=False, held_back=3)
    clock.now += 301
    assert throttle.admit("abc") == Verdict(send=True, held_back=3)


def test_clock_stepping_back(throttle_and_clock: tuple[Any, FakeClock]) -> None:
    """A small step back still holds repeats; a step back past the window starts afresh."""
    throttle, clock = throttle_and_clock
    throttle.admit("abc")
    clock.now -= 5
    assert throttle.admit("abc").send is False
    clock.now -= 1000
    assert throttle.admit("abc") == Verdict(send=True, held_back=1)


def test_zero_window_sends_every_time(tmp_path: Path) -> None:
    """ERROR_EMAIL_THROTTLE_SECONDS=0 turns deduplication off."""
    throttle = EmailThrottle(tmp_path, 0)
    assert [throttle.admit("abc").send for _ in range(3)] == [True, True, True]


def test_state_survives_a_new_throttle_object(tmp_path: Path) -> None:
    """The state lives in the file: a restarted worker still holds repeats back."""
    clock = FakeClock()
    EmailThrottle(tmp_path, 300, clock=clock).admit("abc")
    assert EmailThrottle(tmp_path, 300, clock=clock).admit("abc") == Verdict(False, 1)
    assert (tmp_path / "error_email_throttle.sqlite3").is_file()


def _admit_many(state_dir: str, barrier: Any, results: Any) -> None:
    """In a child process: with the others, admit 25 fingerprints twice each, in step."""
    throttle = EmailThrottle(Path(state_dir), 300)
    barrier.wait()
    results.put([(f"storm-{n}", throttle.admit(f"storm-{n}").send)
                 for n in range(25) for _ in range(2)])


def test_two_processes_send_one_email_between_them(tmp_path: Path) -> None:
    """Two processes racing on the same fingerprints: one email each, every repeat counted."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_admit_many, args=(str(tmp_path), barrier, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    decisions = [decision for _ in workers for decision in results.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    sends = Counter(name for name, send in decisions if send)
    assert sends == {f"storm-{n}": 1 for n in range(25)}
    clock = FakeClock()
    clock.now = time.time() + 301  # past the window
    later = EmailThrottle(tmp_path, 300, clock=clock)
    assert {later.admit(f"storm-{n}") for n in range(25)} == {Verdict(True, 3)}


def test_memory_throttle_counts_what_it_held_back_per_key() -> None:
    """One pass per key per window, then the next one says how many were kept quiet."""
    clock = FakeClock()
    limiter = MemoryThrottle(60, clock=clock)
    assert limiter.admit("refused") == Verdict(send=True, held_back=0)
    assert limiter.admit("refused").send is False
    assert limiter.admit("refused").send is False
    assert limiter.admit("timeout") == Verdict(send=True, held_back=0)
    clock.now += 61
    assert limiter.admit("refused") == Verdict(send=True, held_back=2)


def test_memory_throttle_forgets_expired_keys_at_its_bound() -> None:
    """Past MAX_REMEMBERED_KEYS, keys whose window is over are dropped; live ones are kept."""
    clock = FakeClock()
    limiter = MemoryThrottle(60, clock=clock)
    limiter.admit("live-before")
    assert limiter.admit("live-before").send is False  # one repeat held back, then its window ends
    clock.now += 61
    for number in range(MAX_REMEMBERED_KEYS - 1):
        limiter.admit(f"key-{number}")
    assert limiter.admit("live-after").send is True  # at the bound: the expired key goes
    assert limiter.admit("key-0").send is False  # still in its window, still remembered
    assert limiter.admit("live-before") == Verdict(send=True, held_back=0)  # forgotten, count too
