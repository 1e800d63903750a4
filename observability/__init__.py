"""Microblog's observability: structured events, request IDs, log sinks, error emails, search.

Everything here but `flask_integration` is importable without Flask.
"""

import structlog

get_logger = structlog.stdlib.get_logger

__all__ = ["get_logger"]
