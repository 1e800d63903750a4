"""SMTP delivery against real aiosmtpd servers: plain, STARTTLS, implicit TLS, login, failures."""

from __future__ import annotations

import dataclasses
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from observability.mail.smtp import MailDeliveryError, build_message, send_message
from observability.settings import ObservabilitySettings
from tests.smtp_server import SMTPServer, TricklingServer, TrustedCA

ADMINS = ("ops@example.org", "dev@example.org")


def mail_settings(tmp_path: Path, port: int, **changes: object) -> ObservabilitySettings:
    base = ObservabilitySettings(log_dir=tmp_path / "logs", state_dir=tmp_path / "state",
                                 mail_server="127.0.0.1", mail_port=port, admins=ADMINS)
    return dataclasses.replace(base, **changes)


def test_plain_delivery_reaches_every_admin(tmp_path: Path, smtp_server: SMTPServer) -> None:
    """A message goes to every ADMINS address, from no-reply@<MAIL_SERVER> by default."""
    settings = mail_settings(tmp_path, smtp_server.port)
    send_message(settings, build_message(settings, "Hello", "Body text"))
    [received] = smtp_server.wait_for(1)
    assert received.rcpt_tos == list(ADMINS)
    assert received.mail_from == "no-reply@127.0.0.1"
    assert received.message["Subject"] == "Hello"
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert received.message.get_content().strip() == "Body text"
    assert not received.tls


def test_mail_from_overrides_the_sender(tmp_path: Path, smtp_server: SMTPServer) -> None:
    """MAIL_FROM is both the From header and the envelope sender."""
    settings = mail_settings(tmp_path, smtp_server.port, mail_from="microblog@example.org")
    send_message(settings, build_message(settings, "Hi", "x"))
    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "microblog@example.org"
    assert received.message["From"] == "microblog@example.org"


def test_starttls_with_a_trusted_certificate_and_login(
    tmp_path: Path, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """MAIL_USE_TLS upgrades with STARTTLS, verifies the certificate, then logs in."""
    server = start_smtp_server(server_context=tls_ca.server_context,
                               credentials=("mailer", "s3cret-pw"))
    settings = mail_settings(tmp_path, server.port, mail_use_tls=True,
                             mail_username="mailer", mail_password="s3cret-pw")
    send_message(settings, build_message(settings, "Over TLS", "x"))
    [received] = server.wait_for(1)
    assert received.tls
    assert received.message["Subject"] == "Over TLS"


def test_implicit_tls(
    tmp_path: Path, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """MAIL_USE_SSL speaks TLS from the first byte and verifies the certificate."""
    server = start_smtp_server(server_context=tls_ca.server_context, implicit_tls=True)
    settings = mail_settings(tmp_path, server.port, mail_use_ssl=True)
    send_message(settings, build_message(settings, "Implicit", "x"))
    [received] = server.wait_for(1)
    assert received.tls


def test_untrusted_certificate_is_refused(
    tmp_path: Path, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """A certificate from a CA we do not trust fails delivery instead of sending in clear."""
    stranger_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(stranger_context)
    server = start_smtp_server(server_context=stranger_context)
    settings = mail_settings(tmp_path, server.port, mail_use_tls=True)
    with pytest.raises(MailDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
        send_message(settings, build_message(settings, "x", "x"))
    assert server.messages() == []


def test_wrong_password_fails_without_revealing_it(
    tmp_path: Path, tls_ca: TrustedCA, start_smtp_server: Callable[..., SMTPServer]
) -> None:
    """A refused login is a delivery error whose reason carries no credentials."""
    server = start_smtp_server(server_context=tls_ca.server_context,
                               credentials=("mailer", "right-pw"))
    settings = mail_settings(tmp_path, server.port, mail_use_tls=True,
                             mail_username="mailer", mail_password="wrong-pw-123")
    with pytest.raises(MailDeliveryError) as caught:
        send_message(settings, build_message(settings, "x", "x"))
    assert "SMTPAuthenticationError" in caught.value.reason
    assert "wrong-pw-123" not in caught.value.reason
    assert server.messages() == []


def test_dead_server_is_a_delivery_error(tmp_path: Path, closed_port: int) -> None:
    """Nothing listening: the error names the refused connection."""
    settings = mail_settings(tmp_path, closed_port)
    with pytest.raises(MailDeliveryError, match="ConnectionRefusedError"):
        send_message(settings, build_message(settings, "x", "x"), timeout=2)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"mail_use_tls": True, "mail_use_ssl": True}, "choose one"),
        ({"mail_server": ""}, "MAIL_SERVER is not set"),
        ({"admins": ()}, "ADMINS is empty"),
    ],
)
def test_unusable_configuration_is_named(
    tmp_path: Path, smtp_server: SMTPServer, changes: dict[str, object], message: str
) -> None:
    """Contradictory or missing settings fail with a message that names the setting."""
    settings = mail_settings(tmp_path, smtp_server.port, **changes)
    # Built before MAIL_SERVER is blanked: the default sender needs a server name.
    message_to_send = build_message(dataclasses.replace(settings, mail_server="127.0.0.1"),
                                    "x", "x")
    with pytest.raises(MailDeliveryError, match=message):
        send_message(settings, message_to_send)
    assert smtp_server.messages() == []


def test_header_injection_is_impossible(tmp_path: Path) -> None:
    """A subject with a newline cannot add headers: the message refuses it outright."""
    settings = mail_settings(tmp_path, 25)
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_message(settings, "Oops\r\nBcc: victim@example.org", "x")


@pytest.mark.parametrize("length", [70, 85, 120, 250])
def test_long_subjects_arrive_intact(
    tmp_path: Path, smtp_server: SMTPServer, length: int
) -> None:
    """Subjects up to our 250-character cap arrive exactly as sent (no stray folding space)."""
    settings = mail_settings(tmp_path, smtp_server.port)
    subject = ("[Microblog] OperationalError on POST /login (request 2M4JY-009EH-TTTX6) "
               + "x" * 300)[:length]
    send_message(settings, build_message(settings, subject, "x"))
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == subject


def test_a_trickling_server_is_cut_off_at_the_deadline(
    tmp_path: Path, trickling_server: TricklingServer
) -> None:
    """A server answering a line a second (each read in time) still fails at the total deadline."""
    settings = mail_settings(tmp_path, trickling_server.port)
    started = time.monotonic()
    with pytest.raises(MailDeliveryError) as failure:
        send_message(settings, build_message(settings, "Hi", "x"), timeout=10, deadline=2.5)
    elapsed = time.monotonic() - started
    assert 2.5 <= elapsed < 5, elapsed
    assert failure.value.reason.startswith("DeadlineExceeded: no delivery within 2.5 s")
