"""The error-email sink: the request thread only enqueues; a background thread throttles and sends.

`emit` runs in the thread that logged, where contextvars are visible: it renders the record with
the pipeline's formatter (JSON of the full event: request context, structured exception,
fingerprint, redaction applied) and queues the resulting dict. The sender thread never sees the
LogRecord or contextvars. It starts lazily in the process that emits: gunicorn workers forked
from a master start their own on their first error.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import sqlite3
import threading
import time
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
from observability.mail.previous_requests import previous_requests_for
from observability.mail.render import one_line, render_error_email, scrub
from observability.mail.sender import BackgroundSender
from observability.mail.smtp import MailDeliveryError, build_message, send_message
from observability.mail.throttle import EmailThrottle, MemoryThrottle, Verdict
from observability.settings import ObservabilitySettings

_log = structlog.stdlib.get_logger(__name__)
WARNING_INTERVAL_SECONDS = 60.0


class ErrorEmailHandler(logging.Handler):
    """Emails admins about error events, deduplicated, without ever blocking the caller."""

    def __init__(
        self,
        settings: ObservabilitySettings,
        *,
        queue_size: int = 256,
        flush_timeout: float = 5.0,
        deliver: Callable[[EmailMessage], None] | None = None,
        throttle: EmailThrottle | MemoryThrottle | None = None,
    ) -> None:
        super().__init__(level=logging.ERROR)
        self.settings = settings
        self.queue_size = queue_size
        self.flush_timeout = flush_timeout
        window = settings.error_email_throttle_seconds
        self._deliver = deliver or partial(send_message, settings)
        self._throttle = throttle or EmailThrottle(settings.state_dir, window)
        self._fallback_throttle = MemoryThrottle(window)
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
        # One warning per reason a minute; the next one says how many were kept quiet.
        self._warnings = MemoryThrottle(WARNING_INTERVAL_SECONDS, clock=time.monotonic)

    def _after_fork_in_child(self) -> None:
        self._reset_locks()
        self._sender = None  # the parent's thread does not exist here

    # --- the request thread ------------------------------------------------------------------

    def emit(self, record: logging.LogRecord) -> None:
        """Queue the rendered event; never waits, never raises into the caller."""
        if record.name == __name__ or getattr(self._in_emit, "active", False):
            return  # our own warnings must never feed back into the email queue
        self._in_emit.active = True
        try:
            self._enqueue(self._event_from(record))
        except Exception:
            self.handleError(record)
        finally:
            self._in_emit.active = False

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
            self._warn("error_email_dropped", "dropped", reason="queue full",
                       queue_size=self.queue_size, dropped_total=self.dropped)

    def _running_sender(self) -> BackgroundSender | None:
        with self._sender_lock:
            if self._closed:
                return None
            if self._sender is None or self._sender.pid != os.getpid():
                self._sender = BackgroundSender(self._process, self.queue_size)
                atexit.register(self.close)  # flush at interpreter exit, before logging shuts down
            return self._sender

    # --- the sender thread -------------------------------------------------------------------

    def _process(self, event: dict[str, Any]) -> None:
        """Throttle, render and deliver one event; every failure becomes a warning event."""
        try:
            fingerprint_text = str(event.get("fingerprint") or fingerprint(event))
            verdict = self._admit(fingerprint_text)
            if verdict.send:
                self._deliver(self._message_for(event, fingerprint_text, verdict.held_back))
        except MailDeliveryError as error:
            self._warn("error_email_failed", f"failed:{error.reason}", reason=error.reason,
                       request_id=event.get("request_id"))
        except Exception as error:  # a bug here must not kill the thread or leak a secret
            reason = scrub(f"{type(error).__name__}: {error}", self.settings.secret_values)
            self._warn("error_email_failed", f"failed:{reason}", reason=reason,
                       request_id=event.get("request_id"))

    def _admit(self, fingerprint_text: str) -> Verdict:
        with self._dropped_lock:
            also_held = self._dropped_by_fingerprint.pop(fingerprint_text, 0)
        try:
            return self._throttle.admit(fingerprint_text, also_held=also_held)
        except (sqlite3.Error, OSError) as error:
            self._warn("error_email_throttle_failed", "throttle",
                       reason=f"{type(error).__name__}: {error}")
            return self._fallback_throttle.admit(fingerprint_text, also_held=also_held)

    def _message_for(self, event: dict[str, Any], fingerprint_text: str, held: int) -> EmailMessage:
        settings = self.settings
        subject, body = render_error_email(
            event,
            held_back=held,
            throttle_seconds=settings.error_email_throttle_seconds,
            external_url=settings.external_url,
            log_dir=settings.log_dir,
            secrets=settings.secret_values,
            # issue 14: the user's previous requests, read from the logs here (render is pure)
            previous_requests=previous_requests_for(event, settings.log_dir),
            with_previous_requests=bool(event.get("request_id")),
        )
        headers = {"X-Microblog-Fingerprint": one_line(fingerprint_text)}
        if event.get("request_id"):
            headers["X-Request-ID"] = one_line(event["request_id"])
        return build_message(settings, subject, body, headers=headers)

    def _warn(self, event_name: str, key: str, **fields: Any) -> None:
        verdict = self._warnings.admit(key)
        if verdict.send:
            _log.warning(event_name, suppressed=verdict.held_back, **fields)

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
        if sender is not None and sender.pid == os.getpid() and not sender.stop(self.flush_timeout):
            _log.warning("error_email_flush_incomplete", pending=sender.queue.unfinished_tasks,
                         timeout_seconds=self.flush_timeout)
        super().close()


def build_email_handler(settings: ObservabilitySettings) -> logging.Handler | None:
    """A handler that emails admins on errors, or None when emails are off."""
    return ErrorEmailHandler(settings) if settings.emails_enabled else None
