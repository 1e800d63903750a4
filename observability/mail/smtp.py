"""SMTP delivery: plain, STARTTLS or implicit TLS, with certificate checks, login, timeouts and
a total deadline per attempt.

Failures come out as one exception type whose reason is safe to log: no password in it.
"""

from __future__ import annotations

import base64
import contextlib
import smtplib
import socket
import ssl
import threading
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from observability.settings import ObservabilitySettings

DEFAULT_TIMEOUT = 10.0  # one SMTP step
DEFAULT_DEADLINE = 30.0  # a whole delivery attempt, whatever the server does
# RFC 5322's hard line limit instead of the 78-column folding: Python folds some subjects of
# 79-100 characters right after "Subject:", which readers then show with a leading space.
_POLICY = policy.SMTP.clone(max_line_length=998)
MAX_REASON_LENGTH = 300


class MailDeliveryError(Exception):
    """A message could not be delivered; `reason` is short and free of credentials."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def build_message(
    settings: ObservabilitySettings,
    subject: str,
    body: str,
    *,
    recipients: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A plain-text message from the configured sender to the admins (or `recipients`)."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients if recipients is not None else settings.admins)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    # An explicit domain: make_msgid would otherwise ask DNS for our FQDN on every message.
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation auto-replies, please
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message


def _safe_reason(error: BaseException, settings: ObservabilitySettings) -> str:
    """`Type: message`, with the password (plain or as AUTH PLAIN sends it) cut out."""
    reason = " ".join(f"{type(error).__name__}: {error}".split())
    password = settings.mail_password
    if password:
        plain = f"\0{settings.mail_username}\0{password}".encode()
        for secret in (password, base64.b64encode(plain).decode()):
            reason = reason.replace(secret, "[REDACTED]")
    return reason[:MAX_REASON_LENGTH]


class _ServerContext(ssl.SSLContext):
    """A client TLS context that always checks the certificate against one server name.

    smtplib takes the name to check from its constructor's `host`, which we leave empty so that
    the connection (greeting included) starts under the deadline; this context supplies it.
    """

    server_name = ""

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        """Wrap as ssl.SSLContext does, naming our server whatever the caller passed."""
        kwargs["server_hostname"] = self.server_name
        return super().wrap_socket(sock, *args, **kwargs)


def _tls_context(server_name: str) -> ssl.SSLContext:
    # The system's trusted CAs (SSL_CERT_FILE / SSL_CERT_DIR override them); CERT_REQUIRED and
    # host name checks are PROTOCOL_TLS_CLIENT's defaults.
    context = _ServerContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs()
    context.server_name = server_name
    return context


def _unconnected(settings: ObservabilitySettings, timeout: float) -> smtplib.SMTP:
    """A client not yet connected, so the deadline can watch it from the very first byte."""
    # gethostname, not smtplib's default getfqdn: no DNS lookup before every HELO.
    local_name = socket.gethostname()
    if settings.mail_use_ssl:
        return smtplib.SMTP_SSL(local_hostname=local_name, timeout=timeout,
                                context=_tls_context(settings.mail_server))
    return smtplib.SMTP(local_hostname=local_name, timeout=timeout)


class _Deadline:
    """Cuts the connection once the whole conversation has lasted `seconds`.

    smtplib's timeout applies to each socket operation, so a server that sends a line every few
    seconds never trips it. A timer shutting the socket down ends any read or write in progress
    (smtplib offers no total deadline of its own; `SMTP.sock` is its connected socket).
    """

    def __init__(self, connection: smtplib.SMTP, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._connection = connection
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def _cut(self) -> None:
        self.expired = True
        sock = getattr(self._connection, "sock", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Deadline:
        # Python 3.12+ starts no thread once the interpreter is exiting (the flush at exit):
        # that last attempt is bounded by the per-step timeout alone.
        with contextlib.suppress(RuntimeError):
            self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._timer.cancel()


def send_message(
    settings: ObservabilitySettings,
    message: EmailMessage,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float = DEFAULT_DEADLINE,
) -> None:
    """Deliver `message` through the configured server within `deadline` seconds in all, or raise
    MailDeliveryError (`timeout` bounds each single step)."""
    recipients = [address.strip() for address in str(message["To"] or "").split(",")
                  if address.strip()]
    if not settings.mail_server:
        raise MailDeliveryError("MAIL_SERVER is not set")
    if not recipients:
        raise MailDeliveryError("no recipients (ADMINS is empty)")
    if settings.mail_use_tls and settings.mail_use_ssl:
        raise MailDeliveryError("MAIL_USE_TLS and MAIL_USE_SSL are both set: choose one")
    connection = _unconnected(settings, min(timeout, deadline))
    with _Deadline(connection, deadline) as watchdog:
        try:
            connection.connect(settings.mail_server, settings.mail_port)
            if settings.mail_use_tls:
                connection.starttls(context=_tls_context(settings.mail_server))
            if settings.mail_username:
                connection.login(settings.mail_username, settings.mail_password)
            refused = connection.send_message(message, from_addr=settings.sender,
                                              to_addrs=recipients)
        except (smtplib.SMTPException, OSError) as error:  # OSError: refused, timeouts, TLS
            connection.close()
            if watchdog.expired:
                raise MailDeliveryError(
                    f"DeadlineExceeded: no delivery within {deadline:g} s "
                    f"(the server was still answering; last: {_safe_reason(error, settings)})"
                ) from None
            raise MailDeliveryError(_safe_reason(error, settings)) from None
        # Accepted: a QUIT that fails or hangs until the deadline changes nothing.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.quit()
        connection.close()
    if refused:
        raise MailDeliveryError(f"some recipients were refused: {', '.join(sorted(refused))}")
