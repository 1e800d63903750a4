"""A user's avatar as SVG: their initials on a colour derived from the username (pure, no I/O).

The same name always gives the same picture, in any letter case ("Alice" and "alice" are one
name), so the image can be cached for as long as the name lives.
"""

from __future__ import annotations

import colorsys
import hashlib
import re

from markupsafe import escape

# Separators that split a name into words whose first letters become the initials.
_WORD_BREAK = re.compile(r"[\s._-]+")
_SATURATION = 0.45
_LIGHTNESS = 0.38  # dark enough for white text on every hue


def initials(username: str) -> str:
    """Up to two capital initials: "alice" -> "A", "alice.smith" -> "AS"; "?" for no letter."""
    words = [word for word in _WORD_BREAK.split(username) if word]
    letters = [next((c for c in word if c.isalnum()), "") for word in words[:2]]
    text = "".join(letters).upper()
    return text or "?"


def colour(username: str) -> str:
    """A `#rrggbb` colour of a hue taken from the name's hash; the same for any letter case."""
    digest = hashlib.sha256(username.lower().encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    red, green, blue = colorsys.hls_to_rgb(hue, _LIGHTNESS, _SATURATION)
    return "#{:02x}{:02x}{:02x}".format(*(round(part * 255) for part in (red, green, blue)))


def avatar_svg(username: str) -> str:
    """The SVG document for `username` (its text escaped; it scales to any size)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100"'
        f' role="img" aria-label="{escape(username)}">'
        f'<rect width="100" height="100" fill="{colour(username)}"/>'
        '<text x="50" y="50" dy="0.35em" text-anchor="middle" fill="#ffffff"'
        ' font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
        f' font-size="42" font-weight="600">{escape(initials(username))}</text></svg>\n'
    )
