"""The sender thread's work: events into the durable outbox, due emails out over SMTP.

`write` records each queued event in the first outbox that works (the outbox also decides the
throttle); when none does, one attempt goes out at once, deduplicated in this process only.
`deliver_due` claims what is due in every outbox and attempts it; an email leaves the outbox only
once the SMTP server accepted it, a failure is written back for a later retry (by this process or
any other sharing the outbox) until the outbox abandons it. The sink's own warnings are rate
limited here, so a dead mail server or database makes one warning a minute, not one an email.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from typing import Any

import structlog
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from observability.fingerprint import fingerprint
from observability.mail.outbox import Claim, Outbox
from observability.mail.previous_requests import previous_requests_for
from observability.mail.render import one_line, render_error_email, scrub
from observability.mail.smtp import MAX_REASON_LENGTH, MailDeliveryError, build_message
from observability.mail.throttle import MemoryThrottle
from observability.settings import ObservabilitySettings

_log = structlog.stdlib.get_logger(__name__)
WARNING_INTERVAL_SECONDS = 60.0
MAX_ATTEMPTS_PER_TICK = 50  # keeps the queue moving while a backlog drains
_STORE_ERRORS = (SQLAlchemyError, OSError)


class OutboxDelivery:
    """Writes events to the outbox and delivers what is due; runs in the sender thread only."""

    def __init__(
        self,
        settings: ObservabilitySettings,
        *,
        deliver: Callable[[EmailMessage], None],
        outboxes: Sequence[Outbox],
        poll_seconds: float,
        take_dropped: Callable[[str], int],
    ) -> None:
        self.settings = settings
        self.outboxes = list(outboxes)
        self.poll_seconds = poll_seconds
        self._deliver = deliver
        self._take_dropped = take_dropped  # events of a fingerprint the full queue dropped
        self.reset_after_fork()

    def reset_after_fork(self) -> None:
        """Fresh throttles: a child forked while another thread held their lock would hang."""
        self._fallback_throttle = MemoryThrottle(self.settings.error_email_throttle_seconds)
        # One warning per reason a minute; the next one says how many were kept quiet.
        self._warnings = MemoryThrottle(WARNING_INTERVAL_SECONDS, clock=time.monotonic)

    # --- writing -----------------------------------------------------------------------------

    def write(self, events: list[dict[str, Any]]) -> None:
        """Write queued events to the outbox (or count them as held back); delivery comes in
        `deliver_due`. Repeats within one batch are one write: the first, plus a count."""
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
                also_held = repeats + self._take_dropped(key)
                if not self._record(key, event, also_held):
                    self._send_without_outbox(event, key, also_held)
            except Exception as error:  # a bug here must not kill the thread or leak a secret
                self.warn_failed(self.reason(error), event)

    def _record(self, fingerprint_text: str, event: dict[str, Any], also_held: int) -> bool:
        """Write to the first outbox that works; False when none does."""
        for outbox in self.outboxes:
            try:
                outbox.record(fingerprint_text, event, also_held=also_held)
            except _STORE_ERRORS as error:
                self.warn("error_email_outbox_failed", f"outbox:{outbox.shared_by_hosts}",
                          reason=self.reason(error))
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
            self.warn_failed(self.reason(error), event)

    # --- delivering --------------------------------------------------------------------------

    def deliver_due(self) -> float:
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
                self.warn("error_email_outbox_failed", f"outbox:{outbox.shared_by_hosts}",
                          reason=self.reason(error))
                continue
            except Exception as error:  # never let the thread die
                self.warn_failed(self.reason(error), {})
                continue
            if due is not None:
                wait = min(wait, due)
        return wait

    def _attempt(self, outbox: Outbox, claim: Claim) -> None:
        """One delivery attempt of a claimed email, its outcome written back to the outbox."""
        try:
            self._deliver(self._message_for(claim.event, claim.fingerprint, claim.held_back))
        except Exception as error:
            reason = self.reason(error)
        else:
            outbox.delivered(claim)
            return
        if outbox.failed(claim, reason):
            _log.error("error_email_abandoned", reason=reason, attempts=claim.attempts + 1,
                       request_id=claim.event.get("request_id"), fingerprint=claim.fingerprint,
                       queued_seconds=round(time.time() - claim.created))
        else:
            self.warn_failed(reason, claim.event, attempt=claim.attempts + 1)

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

    # --- failures ----------------------------------------------------------------------------

    def reason(self, error: BaseException) -> str:
        """One scrubbed line saying why: never SQL parameters, never a configured secret."""
        if isinstance(error, MailDeliveryError):
            return error.reason
        if isinstance(error, DBAPIError) and error.orig is not None:
            error = error.orig  # the driver's message, without SQLAlchemy's SQL and parameters
        return scrub(" ".join(f"{type(error).__name__}: {error}".split()),
                     self.settings.secret_values)[:MAX_REASON_LENGTH]

    def warn_failed(self, reason: str, event: dict[str, Any], **fields: Any) -> None:
        self.warn("error_email_failed", f"failed:{reason}", reason=reason,
                  request_id=event.get("request_id"), **fields)

    def warn(self, event_name: str, key: str, **fields: Any) -> None:
        """A warning about the sink itself, at most one per key a minute."""
        verdict = self._warnings.admit(key)
        if verdict.send:
            _log.warning(event_name, suppressed=verdict.held_back, **fields)

    def dispose(self) -> None:
        """Close the outboxes' connections (once the sender thread ended)."""
        for outbox in self.outboxes:
            outbox.dispose()
