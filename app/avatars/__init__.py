"""Avatars drawn by the app itself, so no page asks a third party for an image by default."""

from flask import Blueprint

bp = Blueprint("avatars", __name__)

from app.avatars import routes  # noqa: E402,F401  (it registers on bp)
