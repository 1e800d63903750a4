"""Lines a log sink could not write, reported at most once a minute instead of once per record.

A full disk or a read-only file system fails every record: the stdlib's `Handler.handleError`
then prints a whole traceback per record, which buries the one fact an operator needs (the log
is losing lines, how many, since when) and fills the disk that stderr may share. This counts
the losses and says so briefly, and says when writing works again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

REPORT_INTERVAL_SECONDS = 60.0


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class WriteFailures:
    """Counts lost lines of one sink and decides when to report them (never twice a minute)."""

    def __init__(
        self,
        sink: str,
        *,
        interval: float = REPORT_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sink = sink
        self.interval = interval
        self._clock = clock
        self.lost = 0  # lines lost since the last report
        self.failing = False  # the last write failed
        self._owe_recovery = False  # a failure was reported: say when it is over
        self._since = ""  # since when the lines in `lost` are counted (UTC)
        self._next_report = 0.0
        # Anything left to say: read after every good write, so a plain attribute.
        self.pending = False

    def line_lost(self, error: BaseException) -> str | None:
        """Count one lost line; the report to print now, if one is due."""
        if not self.lost and not self._owe_recovery:
            self._since = _utc_now()  # a new fault starts
        self.lost += 1
        self.failing = self.pending = True
        if not self._due():
            return None
        self._owe_recovery = True
        return (f"microblog: cannot write {self.sink}: {error}; {self._lost_since()} "
                f"(retrying with every record; the next report in {self.interval:g} s "
                "at the earliest)")

    def line_written(self) -> str | None:
        """A good write after failures: the report of recovery, once one is due."""
        self.failing = False
        if not (self.lost or self._owe_recovery):
            self.pending = False
            return None
        if not self._due():
            return None
        self._owe_recovery = self.pending = False
        return f"microblog: {self.sink} is writable again; {self._lost_since()}"

    def _due(self) -> bool:
        now = self._clock()
        if now < self._next_report:
            return False
        self._next_report = now + self.interval
        return True

    def _lost_since(self) -> str:
        """`3 lines lost since <time>`; the count starts again from now."""
        count = "no line" if not self.lost else f"{self.lost} line{'s' if self.lost != 1 else ''}"
        text = f"{count} lost since {self._since}"
        self.lost, self._since = 0, _utc_now()
        return text
