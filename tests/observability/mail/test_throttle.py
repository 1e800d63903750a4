"""The in-process throttle: one pass per key per window (the outbox fallback, the sink's warnings).

The shared, durable throttle of error emails is tested with the outbox (test_outbox.py)."""

from __future__ import annotations

from typing import Any

import pytest

from observability.mail.throttle import MAX_REMEMBERED_KEYS, MemoryThrottle, Verdict


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def throttle_and_clock() -> tuple[Any, FakeClock]:
    clock = FakeClock()
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
