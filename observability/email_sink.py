"""The error-email sink (stub: filled by the error-emails issue)."""

from __future__ import annotations

import logging

from observability.settings import ObservabilitySettings


def build_email_handler(settings: ObservabilitySettings) -> logging.Handler | None:
    """A handler that emails admins on errors, or None when emails are off."""
    return None
