"""One request's events shaped for the admin timeline page: summary, rows, traceback, breadcrumbs.

Pure data from the logged events (no Flask, no structlog), so the page's template only lays it
out and a test can check the shaping with plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from observability.search.files import parse_timestamp
from observability.search.timeline import exception_text, format_fields

SUMMARY_FIELDS = ("method", "path", "status", "endpoint", "user_id", "remote_addr",
                  "duration_ms", "db_ms", "db_queries", "host", "slow")
_LIBRARY_DIRS = frozenset({"site-packages", "dist-packages"})
# Bootstrap colours for the level badges.
LEVEL_COLOURS = {"debug": "secondary", "info": "info", "warning": "warning", "error": "danger",
                 "critical": "danger"}


@dataclass(frozen=True)
class EventRow:
    """One line of the events table."""

    offset_ms: float | None
    time: str
    level: str
    colour: str
    event: str
    fields: str


@dataclass(frozen=True)
class FrameRun:
    """Consecutive frames that are all ours (shown) or all a library's (folded)."""

    own: bool
    frames: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class StackView:
    """One exception of the chain: its heading, how it relates to the previous one, its frames."""

    title: str
    relation: str
    runs: tuple[FrameRun, ...]


@dataclass(frozen=True)
class RequestStory:
    """Everything the timeline page shows about one request."""

    summary: dict[str, Any]
    rows: tuple[EventRow, ...]
    stacks: tuple[StackView, ...]
    breadcrumbs: tuple[Mapping[str, Any], ...]
    traceback_text: str  # Python's text, for an exception logged as text (no frames to fold)


def is_own_frame(filename: str) -> bool:
    """Whether a frame is in the deployed code, not an installed library's or Python's own."""
    if filename.startswith("<"):  # <frozen runpy>, <string>
        return False
    parts = filename.replace("\\", "/").split("/")
    if _LIBRARY_DIRS.intersection(parts):
        return False
    # The standard library: .../lib/python3.11/threading.py
    return not any(part.startswith("python") and parts[index - 1] == "lib"
                   for index, part in enumerate(parts) if index)


def frame_runs(frames: Sequence[Mapping[str, Any]]) -> tuple[FrameRun, ...]:
    """The frames, outermost first, grouped into runs of our own and of library code."""
    runs: list[FrameRun] = []
    for frame in frames:
        own = is_own_frame(str(frame.get("filename", "")))
        if runs and runs[-1].own == own:
            runs[-1] = FrameRun(own, (*runs[-1].frames, frame))
        else:
            runs.append(FrameRun(own, (frame,)))
    return tuple(runs)


def stack_views(exception: object) -> tuple[StackView, ...]:
    """The logged `exception` chain, innermost cause last as Python prints it, as views.

    The log keeps the raised exception first and its causes after; Python (and this page)
    prints the root cause first, so the list is reversed.
    """
    if not isinstance(exception, list):
        return ()
    stacks = [stack for stack in exception if isinstance(stack, Mapping)]
    views = []
    for index, stack in enumerate(reversed(stacks)):
        relation = ""
        if index:  # how the previous (deeper) one led to this one
            previous = stacks[len(stacks) - index]
            relation = ("The above exception was the direct cause of the following exception:"
                        if previous.get("is_cause") else
                        "During handling of the above exception, another exception occurred:")
        value = str(stack.get("exc_value") or "")
        title = str(stack.get("exc_type") or "Exception") + (f": {value}" if value else "")
        views.append(StackView(title, relation, frame_runs(stack.get("frames") or [])))
    return tuple(views)


def build_story(events: Sequence[Mapping[str, Any]]) -> RequestStory:
    """Shape a request's events (in time order) for the page."""
    finished = [e for e in events if e.get("event") == "request_finished"]
    failed = [e for e in events if e.get("exception")]
    summary: dict[str, Any] = {}
    for source in (*failed[:1], *finished[-1:]):  # request_finished wins where both say
        summary.update({key: source[key] for key in SUMMARY_FIELDS if key in source})
    times = [parse_timestamp(str(event.get("timestamp", ""))) for event in events]
    start = min((when for when in times if when is not None), default=None)
    summary["started"] = str(events[0].get("timestamp", "")) if events else ""
    rows = []
    for event, when in zip(events, times, strict=True):
        level = str(event.get("level", "?")).lower()
        offset = None if when is None or start is None else (when - start).total_seconds() * 1000
        rows.append(EventRow(
            offset_ms=offset, time=str(event.get("timestamp", "?")), level=level,
            colour=LEVEL_COLOURS.get(level, "light"), event=str(event.get("event", "?")),
            fields=format_fields(event, hidden=("request_id",)),
        ))
    crumbs: tuple[Mapping[str, Any], ...] = ()
    for event in events:  # the failure's trail, else the slow request's
        trail = event.get("breadcrumbs")
        if isinstance(trail, list) and trail:
            crumbs = tuple(crumb for crumb in trail if isinstance(crumb, Mapping))
            break
    return RequestStory(summary=summary, rows=tuple(rows),
                        stacks=stack_views(failed[0].get("exception")) if failed else (),
                        breadcrumbs=crumbs,
                        traceback_text=exception_text(failed[0]) if failed else "")
