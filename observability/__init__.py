"""Microblog's observability: structured events, request IDs, log sinks, error emails, search.

Everything here but `flask_integration` is importable without Flask. Log with
`structlog.get_logger(__name__)` (or `observability.get_logger`); `configure_logging` in
`observability.logging_setup` decides where events go.
"""

from typing import Any

__all__ = ["get_logger"]


def __getattr__(name: str) -> Any:
    # structlog is imported on first use, not with the package: `microblog-logs` imports
    # observability modules that never log, and importing structlog (asyncio included) is
    # a large part of its start-up.
    if name == "get_logger":
        import structlog

        return structlog.get_logger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
