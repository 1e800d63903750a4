"""Flask wiring for observability: the only module of the package that imports Flask.

(Minimal first version; the observability-core issue completes it.)
"""

from __future__ import annotations

from pathlib import Path

import structlog
from flask import Flask, Response, g, request

from observability.logging_setup import configure_logging
from observability.request_id import choose_request_id
from observability.settings import ObservabilitySettings


def current_request_id() -> str:
    """The ID of the request being handled ('' outside a request)."""
    return str(g.get("request_id", ""))


def init_app(app: Flask) -> None:
    """Configure logging from the app's config and bind request context on every request."""
    settings = ObservabilitySettings.from_mapping(
        app.config, state_dir=Path(app.instance_path), debug=app.debug
    )
    configure_logging(settings)
    app.extensions["observability"] = settings

    @app.before_request
    def _bind_request_context() -> None:
        g.request_id = choose_request_id(request.headers.get("X-Request-ID"))
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=g.request_id)

    @app.after_request
    def _add_request_id_header(response: Response) -> Response:
        response.headers["X-Request-ID"] = current_request_id()
        return response

    app.context_processor(lambda: {"request_id": current_request_id()})
