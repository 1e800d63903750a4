"""Health probes for load balancers and orchestrators: `/livez` and `/readyz` (alias `/healthz`).

A healthy answer logs its `request_finished` at debug, so probes every few seconds do not flood
the log; a failing one logs at info plus a `health_check_failed` warning saying why.
"""

from __future__ import annotations

import structlog
from flask import Response, jsonify

from app.main import bp
from app.readiness import check_readiness
from observability.web.flask_integration import quiet_request

log = structlog.get_logger(__name__)


@bp.get("/livez")
def livez() -> tuple[Response, int]:
    """The process answers: 200 while it serves, without touching the database (a database
    outage must not get every worker restarted)."""
    quiet_request()
    return jsonify(status="ok"), 200


@bp.get("/readyz")
@bp.get("/healthz")
def readyz() -> tuple[Response, int]:
    """200 when the database answers, its schema is at the migration head and every table
    reads; else 503 naming what failed, without driver text or SQL."""
    readiness = check_readiness()
    if readiness.ready:
        quiet_request()
        return jsonify(status="ok", database="ok"), 200
    log.warning("health_check_failed", reason=readiness.reason, error_type=readiness.error_type,
                schema_revision=list(readiness.current), head_revision=list(readiness.head))
    return jsonify(status="unavailable", database="error", reason=readiness.reason), 503
