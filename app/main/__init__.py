"""The microblog itself: feed, explore, profiles, follows, health."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from app.main import activity, health, routes  # noqa: E402,F401  (they register on bp)
