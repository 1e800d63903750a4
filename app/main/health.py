"""`/healthz`: liveness for load balancers and monitors, including the database."""

from __future__ import annotations

import sqlalchemy as sa
import structlog
from flask import Response, jsonify
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.main import bp

log = structlog.get_logger(__name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """200 `{"status": "ok"}` when a trivial query works, else 503 without internals."""
    try:
        db.session.execute(sa.select(1))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health_check_failed", error_type=type(error).__name__)
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok"), 200
