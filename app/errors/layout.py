"""What the layout (base.html) reads on every page: who is signed in, and its fixed links."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.errors import bp
from app.errors.handlers import rollback_quietly

# The layout's links that take no per-page values: name -> (endpoint, values).
_FIXED_LINKS = {
    "home": ("main.index", {}),
    "explore": ("main.explore", {}),
    "login": ("auth.login", {}),
    "logout": ("auth.logout", {}),
    "register": ("auth.register", {}),
    "bootstrap_css": ("bootstrap.static", {"filename": "css/bootstrap.min.css"}),
    "site_css": ("static", {"filename": "css/microblog.css"}),
    "popper_js": ("bootstrap.static", {"filename": "umd/popper.min.js"}),
    "bootstrap_js": ("bootstrap.static", {"filename": "js/bootstrap.min.js"}),
}
_CACHE_KEY = "microblog.layout_links"
# Hosts come from clients: remember the links for a few (host, script root) pairs, no more.
_MAX_CACHED_ROOTS = 8


@bp.app_context_processor
def inject_navbar_username() -> dict[str, Any]:
    """`navbar_username`: the signed-in user's name, or None (signed out, or not loadable).

    Loading the user needs the database. When the database is what failed, the 500 page must
    still render, so the navbar falls back to the signed-out links instead of raising again.
    """
    try:
        return {"navbar_username": current_user.username if current_user.is_authenticated else None}
    except SQLAlchemyError:
        rollback_quietly()
        return {"navbar_username": None}


@bp.app_context_processor
def inject_layout_links() -> dict[str, Any]:
    """`layout_links`: the layout's fixed URLs, built with `url_for` once per host and root.

    Nine `url_for` calls on every page gave the same strings each time. A relative URL
    depends only on the app's routes and the request's script root (and, with SERVER_NAME
    set, its host); the app has no `url_defaults` callbacks that could vary it per request.
    """
    if not has_request_context():
        return {"layout_links": _build_links()}
    cache: dict[tuple[str, str], dict[str, str]] = current_app.extensions.setdefault(
        _CACHE_KEY, {})
    key = (request.host, request.script_root)
    links = cache.get(key)
    if links is None:
        links = _build_links()
        if len(cache) < _MAX_CACHED_ROOTS:
            cache[key] = links
    return {"layout_links": links}


def _build_links() -> dict[str, str]:
    return {name: url_for(endpoint, **values) for name, (endpoint, values) in _FIXED_LINKS.items()}
