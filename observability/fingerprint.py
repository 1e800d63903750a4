"""Fingerprints group repeats of one error: exception type plus the place in our code."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Frames in these top-level folders are "our own code"; anything else is a library.
OWN_PACKAGES = ("app", "observability")
# Numbers in a message without an exception (pids, ports, counts) vary between repeats.
_NUMBERS = re.compile(r"\d+")


def _relative_to_project(filename: str, own_packages: Sequence[str]) -> str | None:
    """`/srv/microblog/app/main/routes.py` -> `app/main/routes.py`; None outside our code."""
    parts = filename.replace("\\", "/").split("/")
    if "site-packages" in parts or "dist-packages" in parts:
        return None
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in own_packages:
            return "/".join(parts[index:])
    return None


def error_place(
    frames: Iterable[Mapping[str, Any]], own_packages: Sequence[str] = OWN_PACKAGES
) -> str:
    """The innermost frame in our own code as `path:line in function` (else the innermost)."""
    frames = list(frames)
    for frame in reversed(frames):
        relative = _relative_to_project(str(frame.get("filename", "")), own_packages)
        if relative is not None:
            return f"{relative}:{frame.get('lineno')} in {frame.get('name')}"
    if frames:
        last = frames[-1]
        return f"{last.get('filename')}:{last.get('lineno')} in {last.get('name')}"
    return "unknown place"


def error_signature(
    event: Mapping[str, Any], own_packages: Sequence[str] = OWN_PACKAGES
) -> tuple[str, str]:
    """(kind, place) of an error event: the exception type and place, or the event name."""
    stacks = event.get("exception")
    if isinstance(stacks, list) and stacks and isinstance(stacks[0], Mapping):
        top = stacks[0]
        return str(top.get("exc_type", "Exception")), error_place(top.get("frames") or (),
                                                                  own_packages)
    return str(event.get("event", "unknown_event")), "no exception"


def fingerprint(event: Mapping[str, Any], own_packages: Sequence[str] = OWN_PACKAGES) -> str:
    """A short stable hash of `error_signature`, the same on every host and worker."""
    kind, place = error_signature(event, own_packages)
    if "exception" not in event:
        kind = _NUMBERS.sub("N", kind)
    return hashlib.sha256(f"{kind}|{place}".encode()).hexdigest()[:12]


def add_fingerprint(_logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Processor: error-level events carry `fingerprint`, so search and email group alike."""
    if method_name in {"error", "critical", "exception"} or event_dict.get("level") in {
        "error", "critical"
    }:
        event_dict.setdefault("fingerprint", fingerprint(event_dict))
    return event_dict
