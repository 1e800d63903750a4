"""SMTP delivery: plain, STARTTLS or implicit TLS, with certificate checks, login and timeouts.

Failures come out as one exception type whose reason is safe to log: no password in it.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Sequence
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from observability.settings import ObservabilitySettings

DEFAULT_TIMEOUT = 10.0
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


def _connect(settings: ObservabilitySettings, timeout: float) -> smtplib.SMTP:
    if settings.mail_use_tls and settings.mail_use_ssl:
        raise MailDeliveryError("MAIL_USE_TLS and MAIL_USE_SSL are both set: choose one")
    # gethostname, not smtplib's default getfqdn: no DNS lookup before every HELO.
    local_name = socket.gethostname()
    # The system's trusted CAs (SSL_CERT_FILE / SSL_CERT_DIR override them) and hostname checks.
    context = ssl.create_default_context()
    if settings.mail_use_ssl:
        return smtplib.SMTP_SSL(settings.mail_server, settings.mail_port,
                                local_hostname=local_name, timeout=timeout, context=context)
    connection = smtplib.SMTP(settings.mail_server, settings.mail_port,
                              local_hostname=local_name, timeout=timeout)
    try:
        if settings.mail_use_tls:
            connection.starttls(context=context)
    except BaseException:
        connection.close()
        raise
    return connection


def send_message(
    settings: ObservabilitySettings, message: EmailMessage, *, timeout: float = DEFAULT_TIMEOUT
) -> None:
    """Deliver `message` through the configured server, or raise MailDeliveryError."""
    recipients = [address.strip() for address in str(message["To"] or "").split(",")
                  if address.strip()]
    if not settings.mail_server:
        raise MailDeliveryError("MAIL_SERVER is not set")
    if not recipients:
        raise MailDeliveryError("no recipients (ADMINS is empty)")
    try:
        with _connect(settings, timeout) as connection:
            if settings.mail_username:
                connection.login(settings.mail_username, settings.mail_password)
            refused = connection.send_message(message, from_addr=settings.sender,
                                              to_addrs=recipients)
    except MailDeliveryError:
        raise
    except (smtplib.SMTPException, OSError) as error:  # OSError: refused, timeouts, TLS
        raise MailDeliveryError(_safe_reason(error, settings)) from None
    if refused:
        raise MailDeliveryError(f"some recipients were refused: {', '.join(sorted(refused))}")
