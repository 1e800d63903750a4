"""The admin error console: errors grouped by fingerprint and request timelines, for ADMINS only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import routes  # noqa: E402,F401  (routes register on bp)
