"""Gunicorn settings for `make serve` and the end-to-end tests.

Gunicorn's own loggers (`gunicorn.error`, `gunicorn.access`) are routed into the app's logging
pipeline, so "Booting worker", "WORKER TIMEOUT" and the like come out as the same JSON lines, in
the same file, as the app's events. There is no access log: the app's `request_finished` event
(with the request ID, user and duration) replaces it. An exception the app has already logged
(a timeout abort inside a view) is not logged again by the worker, and the worker's bare 500
still carries the request's `X-Request-ID`. See docs/log-file.md.

Command-line flags override these (the Makefile passes `--workers` and `--bind`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger
from gunicorn.workers.sync import SyncWorker

# gunicorn executes this file before it puts its working directory on sys.path.
PROJECT_ROOT = Path(__file__).resolve().parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

# Set on an exception that reached the app's teardown, which means observability logged it.
LOGGED_REQUEST_ID = "_microblog_logged_request_id"

wsgi_app = "wsgi:app"
bind = ["127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 4)
timeout = 30  # a request stuck longer is aborted, and its worker replaced
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
accesslog = None  # `request_finished` is the access log, with request IDs
errorlog = "-"  # only until PipelineLogger.setup hands gunicorn.error to the pipeline


def _configure_pipeline() -> None:
    """Install the app's logging pipeline in this process, from the app's own configuration.

    The master never builds the app (each worker does, after fork), so it reads the settings
    the same way the app does and installs the same sinks. Workers inherit them over fork and
    replace them when their app starts (`configure_logging` is idempotent).
    """
    from flask import Flask

    from app.config import load_config
    from observability.logging_setup import configure_logging
    from observability.settings import ObservabilitySettings
    from observability.web.flask_integration import package_version

    # A bare Flask object runs the app's exact configuration layering (config.yaml,
    # MICROBLOG_CONFIG, environment) without importing models or opening a database.
    probe = Flask("app", instance_relative_config=True)
    load_config(probe)
    configure_logging(
        ObservabilitySettings.from_mapping(
            probe.config,
            state_dir=Path(probe.instance_path),
            debug=probe.debug,
            version=package_version(),
        )
    )


class PipelineLogger(Logger):
    """Gunicorn's logger with its plain-text handlers removed: records go to the root pipeline."""

    def setup(self, cfg: Any) -> None:
        """Let gunicorn set levels, then drop its handlers and let records propagate to root."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
            log.propagate = True
        _configure_pipeline()


class RequestIdSyncWorker(SyncWorker):
    """The sync worker, minus a second log record for an exception the app already logged."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        """Answer 500 with the request's ID and stay quiet when the app logged `exc` itself."""
        request_id = getattr(exc, LOGGED_REQUEST_ID, None)
        if not request_id:
            super().handle_error(req, client, addr, exc)
            return
        # The ID is [A-Za-z0-9._-] only (observability.request_id), safe in a header line.
        body = f"Internal Server Error. Please quote request ID {request_id}.\n".encode()
        head = (
            "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n"
            f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(body)}\r\n"
            f"X-Request-ID: {request_id}\r\n\r\n"
        ).encode("latin-1")
        try:
            util.write_nonblock(client, head + body)
        except OSError:
            self.log.debug("Failed to send error message.")


worker_class = RequestIdSyncWorker
logger_class = PipelineLogger


def post_worker_init(worker: Any) -> None:
    """Once the worker has its app: `app_startup` (also under --preload), and error marking."""
    from observability.web.flask_integration import log_startup_once, package_version

    application = worker.wsgi
    # Only an app wired by observability.web.flask_integration (not wrapped in middleware, not a
    # benchmark's bare Flask app) logs every error that reaches its teardown.
    if "observability" not in getattr(application, "extensions", {}):
        return
    log_startup_once(package_version())  # a no-op when building the app logged it already
    application.teardown_request(_mark_logged_exception)


def _mark_logged_exception(error: BaseException | None) -> None:
    """teardown_request: observability logs every error that reaches teardown; say so on it."""
    if error is not None:
        from observability.web.flask_integration import current_request_id

        setattr(error, LOGGED_REQUEST_ID, current_request_id())
