"""The sender thread's work, driven directly: a burst into the outbox, then one delivery round."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from observability.mail.delivery import OutboxDelivery
from observability.mail.outbox import Outbox, store_url
from observability.mail.smtp import send_message
from observability.settings import ObservabilitySettings
from tests.smtp_server import SMTPServer


def settings_for(tmp_path: Path, port: int) -> ObservabilitySettings:
    return ObservabilitySettings(
        log_dir=tmp_path / "logs", state_dir=tmp_path / "state", mail_server="127.0.0.1",
        mail_port=port, admins=("ops@example.org",),
    )


def error_event() -> dict[str, object]:
    return {"event": "request_failed", "level": "error", "logger": "app",
            "fingerprint": "fp-1", "timestamp": "2026-01-01T00:00:00.000Z"}


def test_a_burst_is_one_email_counting_repeats_and_dropped_events(
    tmp_path: Path, smtp_server: SMTPServer
) -> None:
    """Four events of one fingerprint plus two the full queue dropped make one email holding 5."""
    settings = settings_for(tmp_path, smtp_server.port)
    outbox = Outbox(store_url("", settings.state_dir), settings.error_email_throttle_seconds)
    dropped = Counter({"fp-1": 2})
    delivery = OutboxDelivery(
        settings, deliver=lambda message: send_message(settings, message), outboxes=[outbox],
        poll_seconds=30.0, take_dropped=lambda key: dropped.pop(key, 0),
    )
    try:
        delivery.write([error_event() for _ in range(4)])
        assert [email.fingerprint for email in outbox.pending()] == ["fp-1"]
        assert delivery.deliver_due() <= 30.0
        [received] = smtp_server.wait_for(1)
        assert received.message["X-Microblog-Fingerprint"] == "fp-1"
        assert re.search(r"^Held back:\s+5 repeats", received.message.get_content(), re.MULTILINE)
        assert outbox.pending() == [] and dropped == Counter()
    finally:
        delivery.dispose()
