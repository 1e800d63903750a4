"""A paced, counting HTTP client for figures that need exact request counts (wrk gives rates)."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """What a client run sent and got back."""

    statuses: Counter[int]
    failures: int  # requests that got no HTTP response at all
    seconds: float

    @property
    def answered(self) -> int:
        """Requests that got a response."""
        return sum(self.statuses.values())


def send_requests(base_url: str, path: str, count: int, threads: int, seconds: float = 0.0,
                  headers_for: Callable[[int], dict[str, str]] = lambda _n: {}) -> Sent:
    """Send `count` GETs from `threads` threads, spread evenly over `seconds` (0: flat out)."""
    parsed = urllib.parse.urlsplit(base_url)
    host = parsed.hostname or "127.0.0.1"
    statuses: Counter[int] = Counter()
    failures = [0]
    lock = threading.Lock()
    started = time.monotonic()
    interval = seconds / count if seconds else 0.0

    def worker(first: int) -> None:
        for number in range(first, count, threads):
            delay = started + number * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            connection = http.client.HTTPConnection(host, parsed.port, timeout=60)
            try:
                connection.request("GET", path, headers=headers_for(number))
                response = connection.getresponse()
                response.read()
                with lock:
                    statuses[response.status] += 1
            except OSError:
                with lock:
                    failures[0] += 1
            finally:
                connection.close()

    pool = [threading.Thread(target=worker, args=(index,)) for index in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return Sent(statuses=statuses, failures=failures[0], seconds=time.monotonic() - started)
