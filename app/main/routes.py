"""Routes of the main blueprint (stub)."""

from flask import jsonify

from app.main import bp


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    return jsonify(status="ok")
