"""Which error emails go out: one per fingerprint per window, for every worker on the host.

The state is a small SQLite file in the instance folder. Each decision is one `BEGIN IMMEDIATE`
transaction, so two gunicorn workers seeing the same error at the same moment cannot both
send: SQLite serialises writers across processes with its own file locks.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

STATE_FILE_NAME = "error_email_throttle.sqlite3"
_SCHEMA = """CREATE TABLE IF NOT EXISTS error_email (
    fingerprint TEXT PRIMARY KEY,
    last_sent REAL NOT NULL,
    held_back INTEGER NOT NULL DEFAULT 0
)"""


@dataclass(frozen=True)
class Verdict:
    """Send now or not; when sending, how many repeats were held back since the last email."""

    send: bool
    held_back: int


# Keys are few in practice (fingerprints, failure reasons); a bound keeps odd ones from piling up.
MAX_REMEMBERED_KEYS = 1000


def _window_over(last_sent: float, now: float, window_seconds: float) -> bool:
    """Whether the window since the last email has passed, so a new one may go out.

    A clock that stepped back by less than the window still holds repeats back; one that stepped
    back further (a badly set clock corrected) starts afresh rather than staying silent.
    """
    return abs(now - last_sent) >= window_seconds


class EmailThrottle:
    """Deduplicates error emails by fingerprint within a window, shared by processes."""

    def __init__(
        self,
        state_dir: Path,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.time,
        busy_timeout: float = 10.0,
    ) -> None:
        self.path = Path(state_dir) / STATE_FILE_NAME
        self.window_seconds = window_seconds
        self._clock = clock  # wall clock: it must mean the same in every process
        self._busy_timeout = busy_timeout

    def _connect(self) -> sqlite3.Connection:
        # A connection per decision: decisions are rare (errors), and it keeps us fork-safe.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
        # Losing throttle state in a power cut costs at most a duplicate email: skip fsyncs.
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(_SCHEMA)
        return connection

    def admit(self, fingerprint: str, *, also_held: int = 0) -> Verdict:
        """Record one occurrence (plus `also_held` that never reached us) and decide."""
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            now = self._clock()  # read under the lock, or a waiter's "now" predates the holder's
            row = connection.execute(
                "SELECT last_sent, held_back FROM error_email WHERE fingerprint = ?",
                (fingerprint,),
            ).fetchone()
            last_sent, held = (row[0], row[1]) if row else (None, 0)
            held += also_held
            if last_sent is None or _window_over(last_sent, now, self.window_seconds):
                connection.execute(
                    "INSERT OR REPLACE INTO error_email VALUES (?, ?, 0)", (fingerprint, now)
                )
                # A row past its window with nothing held back means the same as no row.
                connection.execute(
                    "DELETE FROM error_email WHERE last_sent < ? AND held_back = 0",
                    (now - self.window_seconds,),
                )
                verdict = Verdict(send=True, held_back=held)
            else:
                connection.execute(
                    "UPDATE error_email SET held_back = ? WHERE fingerprint = ?",
                    (held + 1, fingerprint),
                )
                verdict = Verdict(send=False, held_back=held + 1)
            connection.execute("COMMIT")
            return verdict
        finally:
            connection.close()  # rolls back an unfinished transaction


class MemoryThrottle:
    """The same decisions kept in this process only: the fallback when the state file fails,
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
            if last_sent is None or _window_over(last_sent, now, self.window_seconds):
                if last_sent is None and len(self._state) >= MAX_REMEMBERED_KEYS:
                    self._forget_expired(now)
                self._state[fingerprint] = (now, 0)
                return Verdict(send=True, held_back=held)
            self._state[fingerprint] = (last_sent, held + 1)
            return Verdict(send=False, held_back=held + 1)

    def _forget_expired(self, now: float) -> None:
        """Drop keys whose window is over, so keys made from data cannot grow memory forever."""
        self._state = {key: entry for key, entry in self._state.items()
                       if not _window_over(entry[0], now, self.window_seconds)}
