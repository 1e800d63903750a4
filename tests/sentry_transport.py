"""An in-memory Sentry transport: the real sentry-sdk builds and sends envelopes, kept here."""

from __future__ import annotations

from typing import Any

import sentry_sdk
from sentry_sdk.envelope import Envelope
from sentry_sdk.transport import Transport

# A well-formed DSN that is never contacted: the transport below replaces the network.
TEST_DSN = "https://public@sentry.example.invalid/1"


class MemoryTransport(Transport):
    """Collects every envelope the SDK would send to Sentry."""

    def __init__(self) -> None:
        super().__init__()
        self.envelopes: list[Envelope] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        """Keep the envelope instead of sending it."""
        self.envelopes.append(envelope)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The error events among the envelopes (not sessions or client reports)."""
        return [event for envelope in self.envelopes
                if (event := envelope.get_event()) is not None]


def stop_sentry() -> None:
    """Close whatever client a test started, so later tests run with none."""
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)
