"""Where a user's avatar comes from: the app's own SVG (`AVATARS=local`) or Gravatar."""

from __future__ import annotations

import hashlib

from flask import current_app, url_for

GRAVATAR = "gravatar"


def gravatar_url(email: str, size: int) -> str:
    """Gravatar's URL for `email`: SHA-256 of the trimmed, lowercased address; an identicon else."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=identicon&s={size}"


def avatar_url(username: str, email: str, size: int) -> str:
    """The avatar image URL for a user, as the `AVATARS` setting chooses (inside a request)."""
    if current_app.config.get("AVATARS") == GRAVATAR:
        return gravatar_url(email, size)
    return url_for("avatars.avatar", username=username)
