"""The throttle's rule (one email per key per window) and its in-process form.

The shared, durable throttle of error emails lives with the outbox (outbox.py), which applies
`window_over` to the time of the last *delivered* email. `MemoryThrottle` keeps the same
decisions in one process: the fallback when the outbox cannot be used, and the rate limit of
the mail sink's own warnings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Send now or not; when sending, how many repeats were held back since the last email."""

    send: bool
    held_back: int


# Keys are few in practice (fingerprints, failure reasons); a bound keeps odd ones from piling up.
MAX_REMEMBERED_KEYS = 1000


def window_over(last_sent: float, now: float, window_seconds: float) -> bool:
    """Whether the window since the last email has passed, so a new one may go out.

    A clock that stepped back by less than the window still holds repeats back; one that stepped
    back further (a badly set clock corrected) starts afresh rather than staying silent.
    """
    return abs(now - last_sent) >= window_seconds


class MemoryThrottle:
    """The same decisions kept in this process only: the fallback when the outbox fails,
    and the rate limit of the sink's own warnings."""

    def __init__(self, window_seconds: float, *, clock: Callable[[], float] = time.time) -> None:
        self.window_seconds = window_seconds
        self._clock = clock
        self._state: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def admit(self, fingerprint: str, *, also_held: int = 0) -> Verdict:
        """Record one occurrence (plus `also_held` that never reached us) and decide."""
        with self._lock:
            now = self._clock()
            last_sent, held = self._state.get(fingerprint, (None, 0))
            held += also_held
            if last_sent is None or window_over(last_sent, now, self.window_seconds):
                if last_sent is None and len(self._state) >= MAX_REMEMBERED_KEYS:
                    self._forget_expired(now)
                self._state[fingerprint] = (now, 0)
                return Verdict(send=True, held_back=held)
            self._state[fingerprint] = (last_sent, held + 1)
            return Verdict(send=False, held_back=held + 1)

    def _forget_expired(self, now: float) -> None:
        """Drop keys whose window is over, so keys made from data cannot grow memory forever."""
        self._state = {key: entry for key, entry in self._state.items()
                       if not window_over(entry[0], now, self.window_seconds)}
