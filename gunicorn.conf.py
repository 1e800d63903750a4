"""Gunicorn settings for `make serve` and the end-to-end tests.

Gunicorn's own loggers (`gunicorn.error`, `gunicorn.access`) are routed into the app's logging
pipeline, so "Booting worker", "WORKER TIMEOUT" and the like come out as the same JSON lines, in
the same file, as the app's events. There is no access log: the app's `request_finished` event
(with the request ID, user and duration) replaces it. See docs/log-file.md.

Command-line flags override these (the Makefile passes `--workers` and `--bind`).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from gunicorn.glogging import Logger

# gunicorn executes this file before it puts its working directory on sys.path.
PROJECT_ROOT = Path(__file__).resolve().parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

wsgi_app = "wsgi:app"
bind = ["127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY") or 4)
worker_class = "sync"
timeout = 30  # a request stuck longer is aborted, and its worker replaced
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
accesslog = None  # `request_finished` is the access log, with request IDs
errorlog = "-"  # only used until PipelineLogger.setup moves gunicorn.error to the pipeline


def _configure_pipeline() -> None:
    """Install the app's logging pipeline in this process, from the app's own configuration.

    The master never builds the app (each worker does, after fork), so it reads the settings
    the same way the app does and installs the same sinks. Workers inherit them over fork and
    replace them when their app starts (`configure_logging` is idempotent).
    """
    from flask import Flask

    from app.config import load_config
    from observability.flask_integration import package_version
    from observability.logging_setup import configure_logging
    from observability.settings import ObservabilitySettings

    # A bare Flask object is the cheapest way to run the app's exact configuration layering
    # (config.yaml, MICROBLOG_CONFIG, environment) without importing models or opening a database.
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


logger_class = PipelineLogger
