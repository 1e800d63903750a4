"""The one place that wires structlog and stdlib logging (stub: the core issue fills it)."""

from __future__ import annotations

import logging

import structlog

from observability.settings import ObservabilitySettings


def configure_logging(settings: ObservabilitySettings) -> None:
    """Install the pipeline and its sinks on the root logger, idempotently."""
    logging.basicConfig(level=settings.log_level)
    structlog.configure(
        processors=[structlog.contextvars.merge_contextvars, structlog.dev.ConsoleRenderer()],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
