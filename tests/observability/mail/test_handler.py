"""The error-email handler: enqueue-only emit, background sender, throttle, failures, shutdown."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import re
import subprocess
import sys
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from structlog.contextvars import bound_contextvars
from structlog.testing import capture_logs

from observability.logging_setup import json_formatter, processor_chain
from observability.mail.handler import ErrorEmailHandler, build_email_handler
from observability.mail.throttle import EmailThrottle
from observability.settings import ObservabilitySettings
from tests.smtp_server import SMTPServer

SECRET_KEY = "sk-do-not-mail-me-1234"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def mail_settings(tmp_path: Path, port: int, **changes: Any) -> ObservabilitySettings:
    base = ObservabilitySettings(
        log_dir=tmp_path / "logs", state_dir=tmp_path / "state", mail_server="127.0.0.1",
        mail_port=port, admins=("ops@example.org",), secret_values=(SECRET_KEY,),
    )
    return dataclasses.replace(base, **changes)


Attach = Callable[..., tuple[ErrorEmailHandler, logging.Logger]]


@pytest.fixture
def attach(tmp_path: Path) -> Iterator[Attach]:
    """Build a handler with the pipeline's JSON formatter on a private logger; closed at the end."""
    made: list[tuple[ErrorEmailHandler, logging.Logger]] = []

    def _attach(settings: ObservabilitySettings, **options: Any) -> tuple[ErrorEmailHandler,
                                                                          logging.Logger]:
        handler = ErrorEmailHandler(settings, **options)
        handler.setFormatter(json_formatter(processor_chain(settings)))
        logger = logging.getLogger(f"test.email.{uuid.uuid4().hex}")
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        logger.addHandler(handler)
        made.append((handler, logger))
        return handler, logger

    yield _attach
    for handler, logger in made:
        logger.removeHandler(handler)
        handler.close()


def log_failure(logger: logging.Logger, message: str = "boom") -> None:
    """Log an error with a traceback, as the app's 500 path does."""
    try:
        raise ZeroDivisionError(message)
    except ZeroDivisionError:
        logger.exception("unhandled_exception", extra={"method": "GET", "path": "/boom"})


def test_error_is_emailed_with_the_request_context(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """The email carries the request ID bound in the logging thread, though a thread sends it."""
    _handler, logger = attach(mail_settings(tmp_path, smtp_server.port))
    with bound_contextvars(request_id="REQ-1", user_id=7):
        log_failure(logger)
    [received] = smtp_server.wait_for(1)
    message = received.message
    assert message["Subject"] == "[Microblog] ZeroDivisionError on GET /boom (request REQ-1)"
    assert message["X-Request-ID"] == "REQ-1"
    body = message.get_content()
    assert "jq -c 'select(.request_id==\"REQ-1\")'" in body
    assert "ZeroDivisionError: boom" in body
    assert re.search(r"^User:\s+7\s*$", body, re.MULTILINE)


def test_warnings_are_not_emailed(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """Only level error and above: a warning logged first never arrives."""
    handler, logger = attach(mail_settings(tmp_path, smtp_server.port))
    logger.warning("disk_almost_full")
    logger.error("payment_failed")
    assert handler.wait_until_idle()
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "[Microblog] payment_failed"


def test_repeats_are_held_back_and_counted(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """Three identical errors send one email; the next after the window reports two held back."""
    clock = FakeClock()
    settings = mail_settings(tmp_path, smtp_server.port)
    handler, logger = attach(settings, throttle=EmailThrottle(settings.state_dir, 300, clock=clock))
    for _ in range(3):
        log_failure(logger)
    assert handler.wait_until_idle()
    clock.now += 301
    log_failure(logger)
    first, second = smtp_server.wait_for(2)
    assert "Held back:" in first.message.get_content()
    assert "2 repeats of this error since the last email" in second.message.get_content()
    assert len(smtp_server.wait_for(3, timeout=0.5)) == 2


def test_emit_never_waits_and_a_full_queue_drops(tmp_path: Path, attach: Attach) -> None:
    """With delivery stuck, emits still return; past the bound, events are dropped and counted."""
    release, delivered = threading.Event(), []

    def stuck_delivery(message: EmailMessage) -> None:
        release.wait(30)
        delivered.append(message)

    settings = mail_settings(tmp_path, 25, error_email_throttle_seconds=0)
    handler, logger = attach(settings, queue_size=2, deliver=stuck_delivery)
    with capture_logs() as logs:
        logger.error("first")  # taken by the sender thread, which then blocks
        assert _eventually(lambda: handler.wait_until_idle(0) is False
                           and _queued(handler) == 0)
        for number in range(5):
            logger.error("again", extra={"n": number})  # 2 fit in the queue, 3 are dropped
    assert handler.dropped == 3
    dropped = [entry for entry in logs if entry["event"] == "error_email_dropped"]
    assert len(dropped) == 1  # rate-limited: one warning for the burst
    assert dropped[0]["log_level"] == "warning" and dropped[0]["dropped_total"] == 1
    release.set()
    assert handler.wait_until_idle()
    assert len(delivered) == 3


def _queued(handler: ErrorEmailHandler) -> int:
    sender = handler._sender
    return -1 if sender is None else sender.queue.qsize()


def _eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    event = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return True
        event.wait(0.02)
    return condition()


def test_dead_server_logs_rate_limited_failures(
    tmp_path: Path, closed_port: int, attach: Attach
) -> None:
    """Each failure would be `error_email_failed` with a reason; repeats within a minute are not."""
    settings = mail_settings(tmp_path, closed_port, error_email_throttle_seconds=0,
                             mail_username="mailer", mail_password="pw-never-logged")
    handler, logger = attach(settings)
    with capture_logs() as logs:
        logger.error("first_failure")
        logger.error("second_failure")
        assert handler.wait_until_idle()
    failed = [entry for entry in logs if entry["event"] == "error_email_failed"]
    assert len(failed) == 1
    assert "ConnectionRefusedError" in failed[0]["reason"]
    assert failed[0]["log_level"] == "warning"
    assert "pw-never-logged" not in repr(logs)


def test_secrets_in_the_error_are_not_emailed(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """A SECRET_KEY value inside an exception message is redacted before the email is built."""
    _handler, logger = attach(mail_settings(tmp_path, smtp_server.port))
    log_failure(logger, f"key was {SECRET_KEY}")
    [received] = smtp_server.wait_for(1)
    assert SECRET_KEY not in received.message.as_string()


def test_close_flushes_pending_emails(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """Emails still queued at shutdown are sent before close() returns."""
    handler, logger = attach(mail_settings(tmp_path, smtp_server.port,
                                           error_email_throttle_seconds=0))
    for number in range(3):
        logger.error("shutdown_error", extra={"n": number})
    handler.close()
    assert len(smtp_server.messages()) == 3
    logger.error("after_close")  # ignored, not an exception
    assert len(smtp_server.wait_for(4, timeout=0.5)) == 3


def test_close_gives_up_after_its_time_limit(tmp_path: Path, attach: Attach) -> None:
    """A delivery that hangs cannot hold shutdown past flush_timeout; the loss is logged."""
    release = threading.Event()
    settings = mail_settings(tmp_path, 25, error_email_throttle_seconds=0)
    handler, logger = attach(settings, deliver=lambda _message: release.wait(30),
                             flush_timeout=0.2)
    logger.error("hangs")
    logger.error("waits")
    with capture_logs() as logs:
        handler.close()
    release.set()
    incomplete = [entry for entry in logs if entry["event"] == "error_email_flush_incomplete"]
    assert len(incomplete) == 1 and incomplete[0]["pending"] >= 1


def test_no_thread_until_the_first_error(tmp_path: Path, attach: Attach) -> None:
    """Building the handler starts nothing: a gunicorn master that never errs owns no thread."""
    handler, logger = attach(mail_settings(tmp_path, 25), deliver=lambda _message: None)
    assert handler._sender is None
    logger.error("now")
    assert handler._sender is not None and handler._sender.thread.is_alive()


def _emit_in_child(handler: ErrorEmailHandler, logger_name: str) -> None:
    """In a forked child: log an error through the inherited handler and wait for delivery."""
    logging.getLogger(logger_name).error("child_error")
    raise SystemExit(0 if handler.wait_until_idle(20) else 1)


def test_forked_child_starts_its_own_sender(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """After fork, the child's first error starts a sender there; the parent's keeps working."""
    handler, logger = attach(mail_settings(tmp_path, smtp_server.port,
                                           error_email_throttle_seconds=0))
    logger.error("parent_error")
    assert handler.wait_until_idle()
    context = multiprocessing.get_context("fork")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads running
        child = context.Process(target=_emit_in_child, args=(handler, logger.name))
        child.start()
    child.join(30)
    assert child.exitcode == 0
    subjects = sorted(str(item.message["Subject"]) for item in smtp_server.wait_for(2))
    assert subjects == ["[Microblog] child_error", "[Microblog] parent_error"]


def test_own_records_are_never_queued(tmp_path: Path, attach: Attach) -> None:
    """A record from the sink's own logger is ignored: no feedback loop through the queue."""
    handler, _logger = attach(mail_settings(tmp_path, 25), deliver=lambda _message: None)
    record = logging.LogRecord("observability.mail.handler", logging.ERROR, __file__, 1,
                               "error_email_failed", None, None)
    handler.handle(record)
    assert handler._sender is None


def test_without_a_json_formatter_the_record_still_mails(
    tmp_path: Path, smtp_server: SMTPServer
) -> None:
    """A handler used outside the pipeline falls back to the record's message and level."""
    handler = ErrorEmailHandler(mail_settings(tmp_path, smtp_server.port))
    try:
        handler.handle(logging.LogRecord("x", logging.CRITICAL, __file__, 1, "raw %s", ("text",),
                                         None))
        [received] = smtp_server.wait_for(1)
    finally:
        handler.close()
    assert received.message["Subject"] == "[Microblog] raw text"


@pytest.mark.parametrize(
    "changes",
    [{"mail_server": ""}, {"admins": ()}, {"debug": True}],
)
def test_emails_off_without_server_admins_or_in_debug(
    tmp_path: Path, changes: dict[str, Any]
) -> None:
    """No MAIL_SERVER, no ADMINS, or debug mode: no handler at all."""
    assert build_email_handler(mail_settings(tmp_path, 25, **changes)) is None


def test_handler_is_built_at_error_level(tmp_path: Path) -> None:
    """With emails on, the handler filters at ERROR."""
    handler = build_email_handler(mail_settings(tmp_path, 25))
    assert isinstance(handler, ErrorEmailHandler) and handler.level == logging.ERROR
    handler.close()



_EXIT_SCRIPT = """
import logging, sys
from pathlib import Path
from observability.mail.handler import ErrorEmailHandler
from observability.settings import ObservabilitySettings

state = Path(sys.argv[2])
settings = ObservabilitySettings(log_dir=state, state_dir=state, mail_server="127.0.0.1",
                                 mail_port=int(sys.argv[1]), admins=("ops@example.org",),
                                 error_email_throttle_seconds=0)
logger = logging.getLogger("exit_test")
logger.addHandler(ErrorEmailHandler(settings))
for number in range(3):
    logger.error("exit_flush_%d", number)
# No close(): the interpreter's exit must flush the queue.
"""


def test_pending_emails_are_sent_when_the_process_exits(
    tmp_path: Path, smtp_server: SMTPServer
) -> None:
    """A process that logs errors and exits at once still delivers them (flush at exit)."""
    result = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, str(smtp_server.port),
                             str(tmp_path)], capture_output=True, text=True, timeout=60,
                            check=False, cwd=Path(__file__).resolve().parents[3])
    assert result.returncode == 0, result.stderr
    subjects = sorted(str(item.message["Subject"]) for item in smtp_server.messages())
    assert subjects == [f"[Microblog] exit_flush_{n}" for n in range(3)]


def test_unusable_throttle_state_falls_back_to_memory(
    tmp_path: Path, smtp_server: SMTPServer, attach: Attach
) -> None:
    """A state folder that cannot be created still emails (deduplicated in memory) and says so."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the state folder should be")
    handler, logger = attach(mail_settings(tmp_path, smtp_server.port, state_dir=blocked))
    with capture_logs() as logs:
        for _ in range(3):
            logger.error("same_error")
        assert handler.wait_until_idle()
    assert len(smtp_server.wait_for(1)) == 1
    assert len(smtp_server.wait_for(2, timeout=0.5)) == 1
    [warning] = [entry for entry in logs if entry["event"] == "error_email_throttle_failed"]
    assert "not-a-folder" in warning["reason"]
