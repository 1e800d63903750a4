"""Fingerprints group repeats of one error: exception type plus the call path through our code.

The call path is the module and function of every frame in our own packages, outermost first,
without line numbers: two views that fail in one shared helper are two errors (each needs its own
look), while an edit that only moves lines keeps the group (and its email throttle) as it was.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Frames in these top-level packages are "our own code"; anything else is a library.
OWN_PACKAGES = ("app", "observability")
# Between the frames of a call path, outermost first.
PATH_SEPARATOR = " > "
# Numbers in a message without an exception (pids, ports, counts) vary between repeats.
_NUMBERS = re.compile(r"\d+")
# Where installed packages start: below these folders the path is the dotted module name.
_LIBRARY_ROOTS = {"site-packages", "dist-packages"}
# The standard library: `lib/python3.12/json/decoder.py` is the module `json.decoder`.
_STDLIB_ROOT = re.compile(r"python\d+\.\d+$")
_LIB_FOLDERS = {"lib", "lib64", "Lib"}
# The folder holding our packages on this host: below it, only the first folder decides
# (`tests/observability/...` is no code of ours). Logs from other hosts fall back to the last
# folder named like one of our packages.
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__))).replace("\\", "/")


def _module_parts(parts: Sequence[str]) -> list[str]:
    """`[..., "app", "main", "routes.py"]` -> `["app", "main", "routes"]` (`__init__` dropped)."""
    names = list(parts)
    names[-1] = names[-1].removesuffix(".py")
    if names[-1] == "__init__" and len(names) > 1:
        names.pop()
    return names


def _library_root(parts: Sequence[str]) -> int | None:
    """Index of the last site-packages (or stdlib `pythonX.Y`) folder in a path, if any."""
    for index in range(len(parts) - 2, -1, -1):
        if parts[index] in _LIBRARY_ROOTS:
            return index
        if _STDLIB_ROOT.match(parts[index]) and index > 0 and parts[index - 1] in _LIB_FOLDERS:
            return index
    return None


def frame_module(
    filename: str, own_packages: Sequence[str] = OWN_PACKAGES, project_root: str = PROJECT_ROOT
) -> tuple[str, bool]:
    """(dotted module, whether it is our code) of a frame's file, the same on every host."""
    path = filename.replace("\\", "/")
    parts = [part for part in path.split("/") if part]
    if not parts:
        return filename, False
    root = _library_root(parts)
    if root is not None:
        # Installed (not editable) our packages live in site-packages too: the top name decides.
        below = parts[root + 1:]
        return ".".join(_module_parts(below)), below[0] in own_packages
    if path.startswith(project_root + "/"):
        below = [part for part in path[len(project_root) + 1:].split("/") if part]
        return ".".join(_module_parts(below)), below[0] in own_packages
    for index in range(len(parts) - 1, -1, -1):
        if parts[index] in own_packages:
            return ".".join(_module_parts(parts[index:])), True
    return ".".join(_module_parts(parts[-1:])), False


def call_path(
    frames: Iterable[Mapping[str, Any]], own_packages: Sequence[str] = OWN_PACKAGES
) -> list[str]:
    """`module:function` of every frame in our code, outermost first, without line numbers.

    Consecutive repeats fold into one, so a recursion's depth does not split the group.
    """
    path: list[str] = []
    for frame in frames:
        module, ours = frame_module(str(frame.get("filename", "")), own_packages)
        step = f"{module}:{frame.get('name')}"
        if ours and (not path or path[-1] != step):
            path.append(step)
    return path


def error_place(
    frames: Iterable[Mapping[str, Any]], own_packages: Sequence[str] = OWN_PACKAGES
) -> str:
    """The call path through our code as text (else the innermost frame's `module:function`)."""
    frames = list(frames)
    path = call_path(frames, own_packages)
    if path:
        return PATH_SEPARATOR.join(path)
    if frames:
        module, _ours = frame_module(str(frames[-1].get("filename", "")), own_packages)
        return f"{module}:{frames[-1].get('name')}"
    return "unknown place"


def error_signature(
    event: Mapping[str, Any], own_packages: Sequence[str] = OWN_PACKAGES
) -> tuple[str, str]:
    """(kind, place) of an error event: the exception type and call path, or the event name."""
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
