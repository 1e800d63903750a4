"""A bounded queue drained by one daemon thread: the sender half of the error-email sink.

The thread hands the queued events, in batches, to `process` (which writes them to the outbox)
and, whenever the queue is empty, calls `tick` (which delivers what is due and says how long to
sleep). So it also wakes up on its own: to retry after a backoff, and to send what a dead process
left behind.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

_STOP: dict[str, Any] = {}  # the sentinel that tells the thread to finish
THREAD_NAME = "error-email-sender"
MAX_BATCH = 256  # events taken off the queue together


class BackgroundSender:
    """One process's bounded queue of events and the daemon thread that processes them."""

    def __init__(
        self,
        process: Callable[[list[dict[str, Any]]], None],
        maxsize: int,
        *,
        tick: Callable[[], float] = lambda: 60.0,
    ) -> None:
        self.pid = os.getpid()
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue(maxsize)
        self.thread = threading.Thread(
            target=self._run, args=(process, tick), name=THREAD_NAME, daemon=True
        )
        self.thread.start()

    def _next_batch(self, wait: float) -> list[dict[str, Any]]:
        """The next event, waiting at most `wait` seconds, and whatever else is queued already."""
        batch = [self.queue.get(timeout=max(wait, 0.05))]
        while len(batch) < MAX_BATCH and batch[-1] is not _STOP:
            try:
                batch.append(self.queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(
        self, process: Callable[[list[dict[str, Any]]], None], tick: Callable[[], float]
    ) -> None:
        wait = tick()  # at start: whatever an earlier process left in the outbox
        written = False  # events written since the last delivery round
        while True:
            try:
                batch = self._next_batch(wait)
            except queue.Empty:
                wait = tick()
                continue
            stopping = batch[-1] is _STOP
            try:
                events = [event for event in batch if event is not _STOP]
                if events:
                    process(events)  # a storm's burst is written at once, then delivered
                    written = True
                if (stopping and written) or (not stopping and self.queue.empty()):
                    wait, written = tick(), False
            finally:
                for _event in batch:
                    self.queue.task_done()
            if stopping:
                return

    def stop(self, timeout: float) -> bool:
        """Let the queued emails go out and the thread end, waiting at most `timeout` seconds;
        True if it ended."""
        deadline = time.monotonic() + timeout
        try:
            self.queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return False
        self.thread.join(max(0.0, deadline - time.monotonic()))
        return not self.thread.is_alive()

    def wait_until_idle(self, timeout: float) -> bool:
        """Block until every queued event is processed; False if `timeout` passed first."""
        deadline = time.monotonic() + timeout
        with self.queue.all_tasks_done:
            while self.queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.queue.all_tasks_done.wait(remaining)
        return True
