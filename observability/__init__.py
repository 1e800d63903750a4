"""Microblog's observability: structured events, request IDs, log sinks, error emails, search.

Everything here but `flask_integration` is importable without Flask. Log with
`structlog.get_logger(__name__)` (or `observability.get_logger`); `configure_logging` in
`observability.logging_setup` decides where events go.
"""

import structlog

get_logger = structlog.get_logger

__all__ = ["get_logger"]
