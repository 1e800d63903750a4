"""The error-email sink: the request thread only enqueues; a background thread does the rest.

`emit` runs in the thread that logged, where contextvars are visible: it renders the record with
the pipeline's formatter (JSON of the full event: request context, structured exception,
fingerprint, redaction applied) and queues the resulting dict, without touching disk or network.
The sender thread hands them to delivery.py, which writes each event to the durable outbox
(outbox.py, which also decides the throttle), then delivers what is due, each attempt within a
total deadline. An email leaves the outbox only once the SMTP server accepted it; failures are
retried with backoff, by this process or any other sharing the outbox. The thread starts with
the handler (so a new worker sends what a dead one left) and again in a forked child on its first
error.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from functools import partial
from typing import Any

import orjson
import structlog

from observability.fingerprint import fingerprint
from observability.mail.delivery import OutboxDelivery
from observability.mail.outbox import Outbox, default_outboxes
from observability.mail.sender import BackgroundSender
from observability.mail.smtp import DEFAULT_DEADLINE, send_message
from observability.settings import ObservabilitySettings

_log = structlog.stdlib.get_logger(__name__)
OWN_LOGGERS = "observability.mail"  # events of the mail machinery are never emailed
POLL_SECONDS = 30.0  # how often an idle sender looks for due retries and orphaned emails
IDLE_STOP_SECONDS = 0.5  # how long close() waits for a sender with nothing of its own


class ErrorEmailHandler(logging.Handler):
    """Emails admins about error events, deduplicated, durable, without ever blocking the caller."""

    def __init__(
        self,
        settings: ObservabilitySettings,
        *,
        queue_size: int = 256,
        flush_timeout: float = 5.0,
        deliver: Callable[[EmailMessage], None] | None = None,
        outbox: Outbox | None = None,
        deadline: float = DEFAULT_DEADLINE,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        super().__init__(level=logging.ERROR)
        self.settings = settings
        self.queue_size = queue_size
        self.flush_timeout = flush_timeout
        self.delivery = OutboxDelivery(
            settings,
            deliver=deliver or partial(send_message, settings, deadline=deadline),
            outboxes=[outbox] if outbox is not None else default_outboxes(settings, deadline),
            poll_seconds=poll_seconds,
            take_dropped=self._take_dropped,
        )
        self.dropped = 0
        self._dropped_by_fingerprint: Counter[str] = Counter()
        self._closed = False
        self._sender: BackgroundSender | None = None
        self._reset_locks()
        self._in_emit = threading.local()
        # A child forked while another thread held a lock would inherit it locked forever.
        child_hook = weakref.WeakMethod(self._after_fork_in_child)
        os.register_at_fork(after_in_child=lambda: (hook := child_hook()) and hook())

    def _reset_locks(self) -> None:
        self._sender_lock = threading.Lock()
        self._dropped_lock = threading.Lock()

    def _after_fork_in_child(self) -> None:
        self._reset_locks()
        self.delivery.reset_after_fork()
        self._sender = None  # the parent's thread does not exist here

    # --- the request thread ------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the rendered event; never waits, never raises into the caller."""
        if self._is_own(record):
            return  # the mail machinery's own events must never feed back into the queue
        self._in_emit.active = True
        try:
            self._enqueue(self._event_from(record))
        except Exception:
            self.handleError(record)
        finally:
            self._in_emit.active = False

    def _is_own(self, record: logging.LogRecord) -> bool:
        sender = self._sender
        return (record.name.startswith(OWN_LOGGERS) or getattr(self._in_emit, "active", False)
                or (sender is not None and threading.current_thread() is sender.thread))

    def _event_from(self, record: logging.LogRecord) -> dict[str, Any]:
        """The pipeline's processed event; a minimal one if no JSON formatter is attached."""
        text = self.format(record)
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError:
            event = None
        if isinstance(event, dict):
            return event
        created = datetime.fromtimestamp(record.created, UTC)
        return {
            "event": record.getMessage(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "timestamp": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            **({"exception": text} if record.exc_info else {}),
        }

    def _enqueue(self, event: dict[str, Any]) -> None:
        sender = self._running_sender()
        if sender is None:
            return  # closed: the app is shutting down
        try:
            sender.queue.put_nowait(event)
        except queue.Full:
            with self._dropped_lock:
                self.dropped += 1
                key = str(event.get("fingerprint") or fingerprint(event))
                self._dropped_by_fingerprint[key] += 1
            self.delivery.warn("error_email_dropped", "dropped", reason="queue full",
                               queue_size=self.queue_size, dropped_total=self.dropped)

    def _take_dropped(self, fingerprint_text: str) -> int:
        """How many events of this fingerprint the full queue dropped since last asked."""
        with self._dropped_lock:
            return self._dropped_by_fingerprint.pop(fingerprint_text, 0)

    @property
    def outboxes(self) -> list[Outbox]:
        """Where this handler's emails wait, in the order they are tried."""
        return self.delivery.outboxes

    def start(self) -> None:
        """Start the sender now: it delivers what an earlier, dead process left in the outbox."""
        self._running_sender()

    def _running_sender(self) -> BackgroundSender | None:
        with self._sender_lock:
            if self._closed:
                return None
            if self._sender is None or self._sender.pid != os.getpid():
                self._sender = BackgroundSender(
                    self.delivery.write, self.queue_size, tick=self.delivery.deliver_due
                )
                atexit.register(self.close)  # flush at interpreter exit, before logging shuts down
            return self._sender

    # --- shutdown and tests ------------------------------------------------------------------

    def wait_until_idle(self, timeout: float = 10.0) -> bool:
        """Wait until this process's queue is empty and processed (for tests and the CLI)."""
        sender = self._sender
        return sender is None or sender.wait_until_idle(timeout)

    def close(self) -> None:
        """Flush pending emails within `flush_timeout`, then stop the sender thread."""
        with self._sender_lock:
            sender, self._sender, self._closed = self._sender, None, True
        atexit.unregister(self.close)
        if sender is not None and sender.pid == os.getpid():
            own = sender.queue.unfinished_tasks
            # Without events of its own, a delivery in progress (a retry, another process's
            # email) is not worth delaying the exit for: the outbox keeps it.
            if sender.stop(self.flush_timeout if own else IDLE_STOP_SECONDS):
                self.delivery.dispose()
            elif own:
                # Nothing is lost: what reached the outbox waits there for the next process.
                _log.warning("error_email_flush_incomplete", pending=sender.queue.unfinished_tasks,
                             timeout_seconds=self.flush_timeout)
        super().close()


def build_email_handler(settings: ObservabilitySettings) -> logging.Handler | None:
    """A handler that emails admins on errors (its sender started), or None when emails are off."""
    if not settings.emails_enabled:
        return None
    handler = ErrorEmailHandler(settings)
    handler.start()
    return handler
