"""What the admin pages over the logs share: the app's log folder and the `?since=` window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app, request

from observability.search.query import parse_time

# The windows a page offers; "all" is everything the log files still hold.
WINDOWS = {"1h": "last hour", "24h": "last day", "7d": "last week", "all": "all logs"}


@dataclass(frozen=True)
class Window:
    """The chosen window: its key (the active pill) and the time it starts (None: all logs)."""

    key: str
    since: datetime | None


def log_dir() -> Path:
    """The folder the app writes its logs to, which the console reads."""
    return Path(current_app.config["LOG_DIR"])


def chosen_window(default: str) -> Window:
    """The window the request's `?since=` names; an unknown one is the page's default."""
    key = request.args.get("since", default)
    if key not in WINDOWS:
        key = default
    return Window(key, None if key == "all" else parse_time(key))
