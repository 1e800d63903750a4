"""The error-email sink: the request thread only enqueues; a background thread does the rest.

`emit` runs in the thread that logged, where contextvars are visible: it renders the record with
the pipeline's formatter (JSON of the full event: request context, structured exception,
fingerprint, redaction applied) and queues the resulting dict, without touching disk or network.
The sender thread writes each event to the durable outbox (outbox.py), which also decides the
throttle, then delivers what is due, each attempt within a total deadline. An email leaves the
outbox only once the SMTP server accepted it; failures are retried with backoff, by this process
or any other sharing the outbox. The thread starts with the handler (so a new worker sends what a
dead one left) and again in a forked child on its first error.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
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
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from observability.fingerprint import fingerprint
from observability.mail.outbox import Claim, Outbox, default_outboxes
from observability.mail.previous_requests import previous_requests_for
from observability.mail.render import one_line, render_error_email, scrub
from observability.mail.sender import BackgroundSender
from observability.mail.smtp import (
    DEFAULT_DEADLINE,
    MAX_REASON_LENGTH,
    MailDeliveryError,
    build_message,
    send_message,
)
from observability.mail.throttle import MemoryThrottle
from observability.settings import ObservabilitySettings

_log = structlog.stdlib.get_logger(__name__)
OWN_LOGGERS = "observability.mail"  # events of the mail machinery are never emailed
WARNING_INTERVAL_SECONDS = 60.0
POLL_SECONDS = 30.0  # how often an idle sender looks for due retries and orphaned emails
MAX_ATTEMPTS_PER_TICK = 50  # keeps the queue moving while a backlog drains
IDLE_STOP_SECONDS = 0.5  # how long close() waits for a sender with nothing of its own
_STORE_ERRORS = (SQLAlchemyError, OSError)


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
        self.poll_seconds = poll_seconds
        window = settings.error_email_throttle_seconds
        self._deliver = deliver or partial(send_message, settings, deadline=deadline)
        self.outboxes = [outbox] if outbox is not None else default_outboxes(settings, deadline)
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
            self._warn("error_email_dropped", "dropped", reason="queue full",
                       queue_size=self.queue_size, dropped_total=self.dropped)

    def start(self) -> None:
        """Start the sender now: it delivers what an earlier, dead process left in the outbox."""
        self._running_sender()

    def _running_sender(self) -> BackgroundSender | None:
        with self._sender_lock:
            if self._closed:
                return None
            if self._sender is None or self._sender.pid != os.getpid():
                self._sender = BackgroundSender(self._process, self.queue_size, tick=self._tick)
                atexit.register(self.close)  # flush at interpreter exit, before logging shuts down
            return self._sender

    # --- the sender thread -------------------------------------------------------------------

    def _process(self, events: list[dict[str, Any]]) -> None:
        """Write queued events to the outbox (or count them as held back); delivery comes in
        `_tick`. Repeats within one batch are one write: the first, plus a count."""
        groups: dict[str, tuple[dict[str, Any], int]] = {}
        singles: list[tuple[str, dict[str, Any]]] = []
        for event in events:
            key = str(event.get("fingerprint") or fingerprint(event))
            if self.settings.error_email_throttle_seconds <= 0:
                singles.append((key, event))  # no throttle: every event is its own email
            elif key in groups:
                groups[key] = (groups[key][0], groups[key][1] + 1)
            else:
                groups[key] = (event, 0)
        work = [(key, event, repeats) for key, (event, repeats) in groups.items()]
        for key, event, repeats in work + [(key, event, 0) for key, event in singles]:
            try:
                with self._dropped_lock:
                    also_held = repeats + self._dropped_by_fingerprint.pop(key, 0)
                if not self._record(key, event, also_held):
                    self._send_without_outbox(event, key, also_held)
            except Exception as error:  # a bug here must not kill the thread or leak a secret
                self._warn_failed(self._reason(error), event)

    def _record(self, fingerprint_text: str, event: dict[str, Any], also_held: int) -> bool:
        """Write to the first outbox that works; False when none does."""
        for outbox in self.outboxes:
            try:
                outbox.record(fingerprint_text, event, also_held=also_held)
            except _STORE_ERRORS as error:
                self._warn("error_email_outbox_failed", f"outbox:{outbox.shared_by_hosts}",
                           reason=self._reason(error))
                continue
            return True
        return False

    def _send_without_outbox(self, event: dict[str, Any], fingerprint_text: str,
                             also_held: int) -> None:
        """The last resort: one attempt now, deduplicated in this process only."""
        verdict = self._fallback_throttle.admit(fingerprint_text, also_held=also_held)
        if not verdict.send:
            return
        try:
            self._deliver(self._message_for(event, fingerprint_text, verdict.held_back))
        except Exception as error:
            self._warn_failed(self._reason(error), event)

    def _tick(self) -> float:
        """Deliver every due email of every outbox; seconds until the next one is due."""
        wait = self.poll_seconds
        for outbox in self.outboxes:
            try:
                for _ in range(MAX_ATTEMPTS_PER_TICK):
                    claim = outbox.claim()
                    if claim is None:
                        break
                    self._attempt(outbox, claim)
                due = outbox.seconds_until_due()
            except _STORE_ERRORS as error:
                self._warn("error_email_outbox_failed", f"outbox:{outbox.shared_by_hosts}",
                           reason=self._reason(error))
                continue
            except Exception as error:  # never let the thread die
                self._warn_failed(self._reason(error), {})
                continue
            if due is not None:
                wait = min(wait, due)
        return wait

    def _attempt(self, outbox: Outbox, claim: Claim) -> None:
        """One delivery attempt of a claimed email, its outcome written back to the outbox."""
        try:
            self._deliver(self._message_for(claim.event, claim.fingerprint, claim.held_back))
        except Exception as error:
            reason = self._reason(error)
        else:
            outbox.delivered(claim)
            return
        if outbox.failed(claim, reason):
            _log.error("error_email_abandoned", reason=reason, attempts=claim.attempts + 1,
                       request_id=claim.event.get("request_id"), fingerprint=claim.fingerprint,
                       queued_seconds=round(time.time() - claim.created))
        else:
            self._warn_failed(reason, claim.event, attempt=claim.attempts + 1)

    def _reason(self, error: BaseException) -> str:
        if isinstance(error, MailDeliveryError):
            return error.reason
        if isinstance(error, DBAPIError) and error.orig is not None:
            error = error.orig  # the driver's message, without SQLAlchemy's SQL and parameters
        return scrub(" ".join(f"{type(error).__name__}: {error}".split()),
                     self.settings.secret_values)[:MAX_REASON_LENGTH]

    def _warn_failed(self, reason: str, event: dict[str, Any], **fields: Any) -> None:
        self._warn("error_email_failed", f"failed:{reason}", reason=reason,
                   request_id=event.get("request_id"), **fields)

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
        if sender is not None and sender.pid == os.getpid():
            own = sender.queue.unfinished_tasks
            # Without events of its own, a delivery in progress (a retry, another process's
            # email) is not worth delaying the exit for: the outbox keeps it.
            if sender.stop(self.flush_timeout if own else IDLE_STOP_SECONDS):
                for outbox in self.outboxes:
                    outbox.dispose()
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
