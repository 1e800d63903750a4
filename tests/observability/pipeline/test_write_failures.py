"""WriteFailures: lost lines counted, reported at most once per interval, recovery said once."""

from __future__ import annotations

import errno

from observability.pipeline.write_failures import WriteFailures

FULL = OSError(errno.ENOSPC, "No space left on device")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_losses_is_one_report_with_the_count_after_a_minute() -> None:
    """The first loss is reported at once; the next report, a minute on, counts the rest."""
    clock = Clock()
    failures = WriteFailures("the log file x.log", clock=clock)
    first = failures.line_lost(FULL)
    assert first is not None
    assert first.startswith("microblog: cannot write the log file x.log: [Errno 28] No space")
    assert "1 line lost since " in first
    assert [failures.line_lost(FULL) for _ in range(499)] == [None] * 499
    clock.now += 60
    later = failures.line_lost(FULL)
    assert later is not None and "500 lines lost since " in later


def test_recovery_is_reported_once_when_due() -> None:
    """After a good write the recovery is said once (no sooner than a minute after the last)."""
    clock = Clock()
    failures = WriteFailures("the log file x.log", clock=clock)
    failures.line_lost(FULL)
    failures.line_lost(FULL)
    assert failures.line_written() is None  # the failure was reported a moment ago
    assert failures.pending
    clock.now += 61
    recovered = failures.line_written()
    assert recovered is not None
    assert recovered.startswith("microblog: the log file x.log is writable again; 1 line lost")
    assert not failures.pending
    assert failures.line_written() is None


def test_recovery_without_losses_since_the_report_says_so() -> None:
    """A fault that cleared right after its report still gets its 'writable again' line."""
    clock = Clock()
    failures = WriteFailures("the log file x.log", clock=clock)
    failures.line_lost(FULL)
    clock.now += 60
    recovered = failures.line_written()
    assert recovered is not None and "writable again; no line lost since " in recovered


def test_nothing_to_say_without_failures() -> None:
    """Good writes alone report nothing and leave nothing pending."""
    failures = WriteFailures("the log file x.log", clock=Clock())
    assert not failures.pending
    assert failures.line_written() is None
