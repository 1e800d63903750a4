"""Where a login may send the user next: only to a path on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_safe_next(target: str | None) -> bool:
    """Whether `?next=` names a local path (not `//evil`, `https://evil`, `/\\evil`, ...)."""
    if not target or not target.startswith("/"):
        return False
    # Browsers treat a backslash as a slash, so "/\\evil.com" is protocol-relative for them.
    if "\\" in target or target.startswith("//"):
        return False
    # Control characters are stripped by browsers ("/\t/evil.com" becomes "//evil.com").
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
