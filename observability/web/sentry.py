"""Sentry, for teams that use it: our errors there too, tagged with the request ID a user quotes.

Only with `SENTRY_DSN` set (and the `sentry` extra installed); without a DSN nothing of
sentry-sdk is imported. The SDK starts with its Flask integration (a 500 is one event) and its
logging integration (an `error` logged by app code is one event); `before_send` adds the
request's `request_id` tag and `user.id` from structlog's context, then applies the same
redaction as the log file, so Sentry never gets what the log would not.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import structlog

from observability.config_files import ConfigError
from observability.pipeline.redaction import Redactor
from observability.settings import ObservabilitySettings

if TYPE_CHECKING:  # typing only: importing the SDK is what a missing DSN must not do
    from sentry_sdk.transport import Transport
    from sentry_sdk.types import Event, Hint

# The logger of our `unhandled_exception` event: the Flask integration already reports that
# exception, so the logging integration leaves this logger alone (one event per 500).
UNHANDLED_EXCEPTION_LOGGER = "observability.web.flask_integration"

RequestContext = Callable[[], Mapping[str, Any]]


class RequestTagger:
    """`before_send`: the request's ID as a tag and its user as `user.id`, then our redaction."""

    def __init__(self, current_context: RequestContext, redactor: Redactor) -> None:
        self._current_context = current_context
        self._redactor = redactor

    def __call__(self, event: Event, _hint: Hint) -> Event:
        """The event as Sentry should receive it (never dropped here)."""
        context = self._current_context()
        request_id = context.get("request_id")
        if request_id:
            event.setdefault("tags", {})["request_id"] = str(request_id)
        user_id = context.get("user_id")
        if user_id is not None:
            event["user"] = {**(event.get("user") or {}), "id": str(user_id)}
        redacted: Event = self._redactor.clean(event)
        return redacted


def init_sentry(
    dsn: str | None,
    settings: ObservabilitySettings,
    *,
    current_context: RequestContext = structlog.contextvars.get_contextvars,
    transport: Transport | None = None,
) -> bool:
    """Start sentry-sdk when a DSN is configured; False, importing nothing, without one."""
    if not dsn:
        return False
    try:
        import sentry_sdk  # only here: no DSN, no import
        from sentry_sdk.integrations.flask import FlaskIntegration
        from sentry_sdk.integrations.logging import LoggingIntegration, ignore_logger
        from sentry_sdk.utils import BadDsn
    except ImportError as error:
        raise ConfigError(
            "SENTRY_DSN is set but sentry-sdk is not installed: "
            f".venv/bin/pip install -e '.[sentry]' ({error})"
        ) from None
    ignore_logger(UNHANDLED_EXCEPTION_LOGGER)
    try:
        sentry_sdk.init(
            dsn=dsn,
            release=f"microblog@{settings.version}",
            integrations=[
                FlaskIntegration(),
                LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
            ],
            before_send=RequestTagger(current_context, Redactor(settings.secret_values)),
            # The log's rules: no locals, no form values. (No cookies, user data or client
            # addresses either: the SDK's default, `send_default_pii` left unset.)
            include_local_variables=False,
            max_request_body_size="never",
            transport=transport,
        )
    except BadDsn as error:
        raise ConfigError(f"SENTRY_DSN is not a Sentry DSN: {error}") from None
    return True
