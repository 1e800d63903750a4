"""The admin error console: errors grouped by fingerprint and request timelines, for admins only."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import access, routes  # noqa: E402,F401  (they register on bp)
