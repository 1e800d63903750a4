"""A real SMTP server (aiosmtpd) on a free loopback port that counts messages and can be slow."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller

from benchmarks.procs import HOST, free_port


@dataclass
class CountingHandler:
    """Accepts every message after `delay` seconds and remembers its subject."""

    delay: float = 0.0
    subjects: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        """Sleep like a slow relay would, then accept."""
        if self.delay:
            await asyncio.sleep(self.delay)
        subject = str(message_from_bytes(envelope.content).get("Subject", ""))
        with self._lock:
            self.subjects.append(subject)
        return "250 Message accepted for delivery"

    @property
    def count(self) -> int:
        """Messages accepted so far."""
        with self._lock:
            return len(self.subjects)


@dataclass(frozen=True)
class MailServer:
    """Where the app should send its mail, and what arrived."""

    port: int
    handler: CountingHandler

    def wait_until_quiet(self, quiet_seconds: float, timeout: float) -> int:
        """Wait until no message arrived for `quiet_seconds` (or `timeout`); the final count."""
        deadline = time.monotonic() + timeout
        last_count, last_change = self.handler.count, time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            count = self.handler.count
            if count != last_count:
                last_count, last_change = count, time.monotonic()
            elif time.monotonic() - last_change >= quiet_seconds:
                break
        return self.handler.count


@contextmanager
def mail_server(delay: float = 0.0) -> Iterator[MailServer]:
    """Run aiosmtpd in a thread for the duration of a figure."""
    handler = CountingHandler(delay=delay)
    port = free_port()
    controller = Controller(handler, hostname=HOST, port=port)
    controller.start()
    try:
        yield MailServer(port=port, handler=handler)
    finally:
        controller.stop()
