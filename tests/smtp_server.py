"""A pytest plugin: real aiosmtpd SMTP servers on free loopback ports, plain, STARTTLS or TLS.

Fixtures:
- `smtp_server`: a plain SMTP server that records every message it accepts.
- `start_smtp_server(**options)`: starts more servers (options of `start`: `delay` seconds per
  message, `server_context` for STARTTLS, plus `implicit_tls=True` for TLS from the first byte,
  `credentials=(login, password)` to require AUTH); all are stopped at teardown.
- `tls_ca`: a trustme certificate authority made the process's trust store (`SSL_CERT_FILE`),
  and `tls_ca.server_context`, a server context with a certificate for 127.0.0.1 it signed.
- `closed_port`: a loopback port with nothing listening (a dead mail server).
- `trickling_server`: a real TCP server that sends one greeting line a second, forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    """One accepted message: its envelope, whether it came over TLS, and the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    tls: bool
    message: EmailMessage


@dataclass
class SMTPServer:
    """A running server and what it received; `wait_for(n)` polls instead of sleeping blindly."""

    port: int
    controller: Controller
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def messages(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Received]:
        """Wait until at least `count` messages arrived (or the timeout), then return them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages()) < count:
            time.sleep(0.05)
        return self.messages()


class _Recorder:
    """aiosmtpd handler: optionally slow, stores each message on the server."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.server: SMTPServer | None = None

    async def handle_DATA(self, server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802  (aiosmtpd's hook name)
        if self.delay:
            await asyncio.sleep(self.delay)
        # Set for implicit TLS and after STARTTLS alike.
        tls = server.transport.get_extra_info("ssl_object") is not None
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(parsed, EmailMessage) and self.server is not None
        with self.server.lock:
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), tls, parsed)
            )
        return "250 Message accepted for delivery"


def _authenticator(login: str, password: str) -> Callable[..., AuthResult]:
    def check(_server: Any, _session: Any, _envelope: Any, _mechanism: str,
              auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login.decode() == login and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False)

    return check


def start(
    *,
    delay: float = 0.0,
    server_context: ssl.SSLContext | None = None,
    implicit_tls: bool = False,
    credentials: tuple[str, str] | None = None,
    port: int | None = None,
) -> SMTPServer:
    """Start a server: STARTTLS offered when `server_context` is given (or implicit TLS);
    on `port` when given (a server coming back where a dead one was), else a free one."""
    recorder = _Recorder(delay)
    options: dict[str, Any] = {}
    if server_context is not None and implicit_tls:
        options["ssl_context"] = server_context
    elif server_context is not None:
        options["tls_context"] = server_context
    if credentials is not None:
        options.update(authenticator=_authenticator(*credentials), auth_require_tls=False)
    for _attempt in range(5):  # the probed port can be taken before we bind it
        chosen = port or free_port()
        controller = Controller(recorder, hostname=HOST, port=chosen, ready_timeout=10, **options)
        try:
            controller.start()
        except OSError:
            continue
        server = SMTPServer(port=chosen, controller=controller)
        recorder.server = server
        return server
    raise RuntimeError("no free loopback port for the SMTP server")


@pytest.fixture
def start_smtp_server() -> Iterator[Callable[..., SMTPServer]]:
    """Start SMTP servers with `start(...)` options; all are stopped at teardown."""
    servers: list[SMTPServer] = []

    def _start(**options: Any) -> SMTPServer:
        server = start(**options)
        servers.append(server)
        return server

    yield _start
    # stop() cancels a session still in progress (a slow server mid-message) without closing its
    # server-side transport; that socket is then freed either in the server's loop thread while
    # stop() runs or by a later collection. Both happen inside this block (the filter is
    # process-wide, and this thread waits in stop()), so the fake server's debris never
    # surfaces as a ResourceWarning in this test's teardown or whichever test runs next.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        for server in servers:
            server.controller.stop()
        servers.clear()
        gc.collect()


@pytest.fixture
def smtp_server(start_smtp_server: Callable[..., SMTPServer]) -> SMTPServer:
    """A plain SMTP server on a free loopback port that records what it accepts."""
    return start_smtp_server()


@dataclass
class TrustedCA:
    """A test certificate authority the process trusts, and a server context it signed."""

    ca_file: Path
    server_context: ssl.SSLContext


@pytest.fixture
def tls_ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TrustedCA:
    """A trustme CA made the process's trust store (SSL_CERT_FILE) and a 127.0.0.1 certificate."""
    authority = trustme.CA()
    ca_file = tmp_path / "test-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(HOST, "localhost").configure_cert(server_context)
    return TrustedCA(ca_file=ca_file, server_context=server_context)


@pytest.fixture
def closed_port() -> int:
    """A loopback port with no server: connecting to it is refused at once."""
    return free_port()


@dataclass
class TricklingServer:
    """A real TCP server that answers every connection with one line every `interval` seconds,
    forever: each read succeeds in time, so only a total deadline ends the conversation."""

    port: int
    interval: float
    connections: list[socket.socket] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)
    listener: socket.socket = field(default_factory=socket.socket)

    def serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            threading.Thread(target=self._trickle, args=(connection,), daemon=True).start()

    def _trickle(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while not self.stopped.wait(self.interval):
                connection.sendall(b"220-still thinking\r\n")

    def close(self) -> None:
        """Close every socket; call after `stopped` is set and the accept loop has ended."""
        for connection in self.connections:
            connection.close()
        self.listener.close()


@pytest.fixture
def trickling_server() -> Iterator[TricklingServer]:
    """A mail server that trickles its greeting, one continuation line per second."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen()
    server = TricklingServer(port=int(listener.getsockname()[1]), interval=1.0, listener=listener)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    yield server
    server.stopped.set()
    thread.join(5)
    server.close()
