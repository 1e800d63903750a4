"""The admin error console (stub: the triage issue fills it)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
