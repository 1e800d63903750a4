"""`GET /avatar/<username>.svg`: the generated avatar, cacheable, with no database query.

The picture depends on the name alone, so an unknown name gets one too: the route says nothing
about which accounts exist and costs no query.
"""

from __future__ import annotations

import hashlib

from flask import Response, abort, request

from app.avatars import bp
from app.avatars.svg import avatar_svg
from app.models import USERNAME_MAX
from observability.web.flask_integration import quiet_request

# A day: a renamed user gets a new URL at once; a change of the drawing reaches browsers by then.
CACHE_SECONDS = 86_400


@bp.get("/avatar/<username>.svg")
def avatar(username: str) -> Response:
    """The SVG avatar for `username`, with an ETag and Cache-Control (304 when unchanged)."""
    quiet_request()  # one per post shown: logged at debug, like a static file
    if len(username) > USERNAME_MAX:
        abort(404)
    body = avatar_svg(username).encode("utf-8")
    response = Response(body, mimetype="image/svg+xml")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    # Opened on its own, an SVG is a document: it may not run or fetch anything.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)  # in place: a 304 without the body when the ETag matches
    return response
